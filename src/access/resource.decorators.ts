import { ExecutionContext, SetMetadata, applyDecorators, createParamDecorator } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { ApiErrors } from '../core/openapi/api-responses.decorator';
import type { OrganizationRole } from './organization-roles';

export const ORGANIZATION_REF = 'argus:organizationRef';
export const PROJECT_REF = 'argus:projectRef';
export const REQUIRE_UNBOUND = 'argus:requireUnbound';

/** Where a route finds the id of the organisation or project it acts in. */
export interface ResourceRef {
  param?: string;
  body?: string;
  query?: string;
  /** Absent id: the route acts outside any one organisation or project (lists, unbound keys). */
  optional?: boolean;
}

/** The organisation (and project) a request acts in, resolved and checked by the ScopesGuard. */
export interface ResourceAccess {
  organizationId: string;
  projectId: string | null;
  /** The caller's role there (platform admins act as owners). */
  role: OrganizationRole;
}

function describe(ref: ResourceRef): string {
  const where = ref.param ? `path :${ref.param}` : ref.body ? `body.${ref.body}` : `query ?${ref.query}`;
  return ref.optional ? `${where} (optional)` : where;
}

/**
 * The route acts inside the organisation named by `ref`. The ScopesGuard answers 404 when the
 * caller is not a member or its credential is bound elsewhere, and 403 when the caller's role in
 * the organisation lacks the route's scopes.
 */
export const InOrganization = (ref: ResourceRef): MethodDecorator =>
  applyDecorators(SetMetadata(ORGANIZATION_REF, ref), ApiExtension('x-organization', describe(ref)), ApiErrors(403, 404));

/** The route acts inside the project named by `ref` (and so inside its organisation). */
export const InProject = (ref: ResourceRef): MethodDecorator =>
  applyDecorators(SetMetadata(PROJECT_REF, ref), ApiExtension('x-project', describe(ref)), ApiErrors(403, 404));

/**
 * The route acts outside any one organisation (creating an organisation, leaving one): a key bound
 * to an organisation or project gets 403 `forbidden`, so a bound key cannot reach past its boundary.
 */
export const RequireUnbound = (): MethodDecorator =>
  applyDecorators(
    SetMetadata(REQUIRE_UNBOUND, true),
    ApiExtension('x-credential', 'not bound to an organization or project'),
    ApiErrors(403),
  );

/** The organisation and project the ScopesGuard resolved for this request; undefined when none was named. */
export const CurrentAccess = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ResourceAccess | undefined =>
    context.switchToHttp().getRequest<{ access?: ResourceAccess }>().access,
);
