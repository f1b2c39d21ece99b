/**
 * The argon2id cost of password hashes: OWASP's baseline (19 MiB, 2 iterations, 1 lane) unless
 * whoever builds the app passes another. Not a setting: only the test suites pass a cheaper one,
 * through `AppOptions`, so thousands of sign-ups and logins do not spend minutes hashing.
 */
export class PasswordHashCost {
  constructor(
    /** KiB of memory. */
    readonly memoryCost = 19_456,
    readonly timeCost = 2,
    readonly parallelism = 1,
  ) {}
}
