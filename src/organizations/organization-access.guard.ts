import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { isUUID } from 'class-validator';
import { AUTH_REQUIREMENTS, AuthRequirements } from '../access/auth.decorators';
import { Binding, bindingContains } from '../access/boundary';
import { ORGANIZATION_ROLE_SCOPES } from '../access/organization-roles';
import { Principal } from '../access/principal';
import { ORGANIZATION_REF, PROJECT_REF, ResourceAccess, ResourceRef } from '../access/resource.decorators';
import { Scope, missingScopes } from '../access/scopes';
import { insufficientScope, notFound, validationFailed } from '../core/errors/app.exception';
import { MembershipAccessService } from './membership-access.service';
import { ProjectRepository } from './project.repository';

interface RouteAccess {
  scopes: Scope[];
  organization?: ResourceRef;
  project?: ResourceRef;
}

type ScopedRequest = FastifyRequest & { user?: Principal; access?: ResourceAccess };

/**
 * A route that acts inside an organisation or project (`@InOrganization`, `@InProject`) is reached
 * only by members whose credential is bound there or above (404 otherwise, as if it did not
 * exist), and whose role in the organisation also grants the route's scopes (403). Runs after the
 * ScopesGuard, which has checked the credential's own scopes. Guards run before pipes, so the ids
 * the route names are validated here as a pipe would (400 for a malformed one).
 */
@Injectable()
export class OrganizationAccessGuard implements CanActivate {
  private readonly routes = new WeakMap<object, RouteAccess | null>();

  constructor(
    private readonly reflector: Reflector,
    private readonly memberships: MembershipAccessService,
    private readonly projects: ProjectRepository,
  ) {}

  /** Synchronous unless the route acts inside an organisation or project (most requests cost no promise). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const route = this.routeAccess(context);
    const request = context.switchToHttp().getRequest<ScopedRequest>();
    const principal = request.user;
    if (!route || !principal) return true;
    return this.resolve(request, principal, route).then((access) => {
      if (access) {
        const notGranted = missingScopes(ORGANIZATION_ROLE_SCOPES[access.role], route.scopes);
        if (notGranted.length > 0) throw insufficientScope(notGranted);
        request.access = access;
      }
      return true;
    });
  }

  private async resolve(request: ScopedRequest, principal: Principal, route: RouteAccess): Promise<ResourceAccess | undefined> {
    const projectId = route.project && readId(request, route.project);
    const organizationId = route.organization && readId(request, route.organization);
    if (!projectId && !organizationId) return undefined;

    let target: Binding;
    if (projectId) {
      const owner = await this.projects.organizationOf(projectId);
      if (!owner) throw notFound('Project');
      if (organizationId && organizationId !== owner) {
        const field = refName(route.project as ResourceRef);
        throw validationFailed([{ field, messages: [`${field} must be a project of organization ${organizationId}`] }]);
      }
      target = { organizationId: owner, projectId };
    } else {
      target = { organizationId: organizationId as string, projectId: null };
    }

    const what = projectId ? 'Project' : 'Organization';
    const held: Binding = { organizationId: principal.organizationId, projectId: principal.projectId };
    if (!bindingContains(held, target)) throw notFound(what);
    const role = await this.memberships.roleOf(target.organizationId as string, principal.userId, principal.role);
    if (!role) throw notFound(what);
    return { organizationId: target.organizationId as string, projectId: target.projectId, role };
  }

  private routeAccess(context: ExecutionContext): RouteAccess | null {
    const handler = context.getHandler();
    let route = this.routes.get(handler);
    if (route === undefined) {
      const organization = this.reflector.get<ResourceRef | undefined>(ORGANIZATION_REF, handler);
      const project = this.reflector.get<ResourceRef | undefined>(PROJECT_REF, handler);
      const requirements = this.reflector.getAllAndOverride<AuthRequirements | undefined>(AUTH_REQUIREMENTS, [handler, context.getClass()]);
      route = organization || project ? { scopes: requirements?.scopes ?? [], organization, project } : null;
      this.routes.set(handler, route);
    }
    return route;
  }
}

function refName(ref: ResourceRef): string {
  return (ref.param ?? ref.body ?? ref.query) as string;
}

/** The id a route names, validated like any input: absent (when optional), or a UUID. */
function readId(request: ScopedRequest, ref: ResourceRef): string | undefined {
  const field = refName(ref);
  const source = ref.param ? request.params : ref.body ? request.body : request.query;
  const value = source && typeof source === 'object' ? (source as Record<string, unknown>)[field] : undefined;
  if (value === undefined || value === null) {
    if (ref.optional) return undefined;
    throw validationFailed([{ field, messages: [`${field} is required`] }]);
  }
  if (typeof value !== 'string' || !isUUID(value)) throw validationFailed([{ field, messages: [`${field} must be a UUID`] }]);
  return value;
}
