/** Where a credential or a key is bound: nowhere (the user's whole reach), an organisation, or one project. */
export interface Binding {
  organizationId: string | null;
  projectId: string | null;
}

/**
 * True when `inner` lies inside `outer`: an unbound credential reaches everything its user may; an
 * organisation-bound one, that organisation and its projects; a project-bound one, that project.
 */
export function bindingContains(outer: Binding, inner: Binding): boolean {
  if (outer.organizationId === null) return true;
  if (outer.projectId === null) return inner.organizationId === outer.organizationId;
  return inner.projectId === outer.projectId;
}

export function bindingOf(value: { organizationId?: string | null; projectId?: string | null }): Binding {
  return { organizationId: value.organizationId ?? null, projectId: value.projectId ?? null };
}
