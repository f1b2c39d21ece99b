import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

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
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly leaseMs: number,
    private readonly perEndpoint: number,
    /** Failures in a row from which an endpoint is backed off (`RetryPolicy.endpointBackoffAfter`). */
    private readonly backoffAfter: number,
  ) {}

  async claim(now: number): Promise<EndpointClaim[]> {
    const at = new Date(now);
    const leaseEnd = new Date(now + this.leaseMs);
    const probes = await this.endpoints.claimProbes(at, leaseEnd, this.backoffAfter, ENDPOINTS_PER_PASS);
    const healthy = await this.endpoints.healthyWithDue(at, this.backoffAfter, ENDPOINTS_PER_PASS);
    const claims: EndpointClaim[] = [];
    for (const { id, probe } of [...probes.map((id) => ({ id, probe: true })), ...healthy.map((id) => ({ id, probe: false }))]) {
      const deliveryIds = await this.deliveries.claimDue(id, probe ? 1 : this.perEndpoint, at, leaseEnd);
      if (deliveryIds.length > 0) claims.push({ endpointId: id, probe, deliveryIds });
      else if (probe) await this.endpoints.releaseProbe(id, at);
    }
    return claims;
  }

  /** Extends the lease on deliveries this worker still holds. */
  async renew(deliveryIds: string[], now: number): Promise<void> {
    await this.deliveries.reschedulePending(deliveryIds, new Date(now + this.leaseMs));
  }

  /** Hands claimed, unsent deliveries back, due at once (they wait for the endpoint's probe if it is backed off). */
  async release(deliveryIds: string[], now: number): Promise<void> {
    await this.deliveries.reschedulePending(deliveryIds, new Date(now));
  }
}
