/** A user's platform role: what a JWT caller may do, and the ceiling of every key they own. */
export const USER_ROLES = ['user', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];
