import { DataSource } from 'typeorm';

/** Deliveries a worker took for one endpoint in a pass, oldest due first. */
export interface EndpointClaim {
  endpointId: string;
  /** True when the endpoint is backed off and this is its single probe. */
  probe: boolean;
  deliveryIds: string[];
}

const ENDPOINTS_PER_PASS = 20;

/**
 * Claims are leases: a claimed delivery's `next_attempt_at` is pushed `leaseMs` ahead, so another
 * instance (FOR UPDATE SKIP LOCKED) does not take it, and a crashed worker's claim runs out after
 * one lease. The worker renews the leases of what it still holds (`renew`) while it works.
 * A healthy endpoint gets up to `perEndpoint` deliveries a pass; one in back-off gets one (a
 * probe), and only once its `next_probe_at` has come, which the claim pushes a lease ahead too, so
 * two instances never probe one endpoint at once.
 */
export class DeliveryClaims {
  constructor(
    private readonly dataSource: DataSource,
    private readonly leaseMs: number,
    private readonly perEndpoint: number,
    /** Failures in a row from which an endpoint is backed off (`RetryPolicy.endpointBackoffAfter`). */
    private readonly backoffAfter: number,
  ) {}

  async claim(now: number): Promise<EndpointClaim[]> {
    const at = new Date(now);
    const leaseEnd = new Date(now + this.leaseMs);
    const due = `EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= $1)`;
    const probes: Array<{ id: string }> = await this.dataSource.query(
      `WITH probed AS (
         UPDATE webhook_endpoints e SET next_probe_at = $2
          WHERE e.id IN (
            SELECT e.id FROM webhook_endpoints e
             WHERE e.is_active AND e.consecutive_failures >= $3 AND (e.next_probe_at IS NULL OR e.next_probe_at <= $1) AND ${due}
             LIMIT ${ENDPOINTS_PER_PASS} FOR UPDATE SKIP LOCKED)
         RETURNING e.id)
       SELECT id FROM probed`,
      [at, leaseEnd, this.backoffAfter],
    );
    const healthy: Array<{ id: string }> = await this.dataSource.query(
      `SELECT e.id FROM webhook_endpoints e WHERE e.is_active AND e.consecutive_failures < $2 AND ${due} LIMIT ${ENDPOINTS_PER_PASS}`,
      [at, this.backoffAfter],
    );
    const claims: EndpointClaim[] = [];
    for (const { id, probe } of [
      ...probes.map((row) => ({ id: row.id, probe: true })),
      ...healthy.map((row) => ({ id: row.id, probe: false })),
    ]) {
      const deliveryIds = await this.claimFor(id, probe ? 1 : this.perEndpoint, at, leaseEnd);
      if (deliveryIds.length > 0) claims.push({ endpointId: id, probe, deliveryIds });
      else if (probe) await this.dataSource.query(`UPDATE webhook_endpoints SET next_probe_at = $1 WHERE id = $2`, [at, id]);
    }
    return claims;
  }

  /** Extends the lease on deliveries this worker still holds. */
  async renew(deliveryIds: string[], now: number): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE status = 'pending' AND id IN (${placeholders(deliveryIds, 2)})`,
      [new Date(now + this.leaseMs), ...deliveryIds],
    );
  }

  /** Hands claimed, unsent deliveries back, due at once (they wait for the endpoint's probe if it is backed off). */
  async release(deliveryIds: string[], now: number): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE status = 'pending' AND id IN (${placeholders(deliveryIds, 2)})`,
      [new Date(now), ...deliveryIds],
    );
  }

  private async claimFor(endpointId: string, limit: number, at: Date, leaseEnd: Date): Promise<string[]> {
    const rows: Array<{ id: string; due: Date }> = await this.dataSource.query(
      `WITH due AS (
         SELECT id, next_attempt_at FROM webhook_deliveries
          WHERE endpoint_id = $1 AND status = 'pending' AND next_attempt_at <= $2
          ORDER BY next_attempt_at, created_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE webhook_deliveries d SET next_attempt_at = $3 FROM due WHERE d.id = due.id RETURNING d.id, due.next_attempt_at AS due)
       SELECT id, due FROM claimed`,
      [endpointId, at, leaseEnd],
    );
    return rows.sort((a, b) => new Date(a.due).getTime() - new Date(b.due).getTime()).map((row) => row.id);
  }
}

function placeholders(values: unknown[], from: number): string {
  return values.map((_, index) => `$${index + from}`).join(', ');
}
