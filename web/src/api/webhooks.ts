import { ApiClient } from './client';

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  isActive: boolean;
  consecutiveFailures: number;
  failingSince: string | null;
  nextProbeAt: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Only in the answer to create: the signing secret, held in memory until the panel closes. */
export interface CreatedWebhook extends Webhook {
  secret: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface Delivery {
  id: string;
  messageId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface WebhookInput {
  url?: string;
  events?: string[];
  isActive?: boolean;
}

const hook = (id: string) => `/api/webhooks/${encodeURIComponent(id)}`;

export const webhooksApi = (api: ApiClient) => ({
  list: (page = 1, limit = 50) => api.page<Webhook>('/api/webhooks', { page, limit }),
  get: (id: string) => api.get<Webhook>(hook(id)),
  create: (url: string, events: string[]) => api.post<CreatedWebhook>('/api/webhooks', { url, events }),
  update: (id: string, input: WebhookInput) => api.patch<Webhook>(hook(id), input),
  remove: (id: string) => api.delete<null>(hook(id)),
  deliveries: (id: string, page = 1, limit = 20) => api.page<Delivery>(`${hook(id)}/deliveries`, { page, limit }),
  redeliver: (id: string, deliveryId: string) => api.post<Delivery>(`${hook(id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`),
  redeliverFailed: (id: string) => api.post<{ requeued: number }>(`${hook(id)}/deliveries/redeliver`),
  sendTest: (id: string) => api.post<Delivery>(`${hook(id)}/test`),
});

export type WebhooksApi = ReturnType<typeof webhooksApi>;

/** An endpoint's health in a word, and what it means. */
export function webhookHealth(hook: Webhook): { label: string; tone: 'active' | 'inactive' | 'revoked' } {
  if (!hook.isActive)
    return hook.disabledAt ? { label: 'Disabled after failures', tone: 'revoked' } : { label: 'Paused', tone: 'inactive' };
  if (hook.consecutiveFailures > 0) return { label: `Failing (${hook.consecutiveFailures} in a row)`, tone: 'inactive' };
  return { label: 'Healthy', tone: 'active' };
}
