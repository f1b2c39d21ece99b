import { createContext, useContext } from 'react';
import { adminApi } from './api/admin';
import { authApi } from './api/auth';
import { ApiClient } from './api/client';
import { keysApi } from './api/keys';
import { organizationsApi } from './api/organizations';
import { webhooksApi } from './api/webhooks';
import { mfaApi } from './api/mfa';

export interface Services {
  api: ApiClient;
  auth: ReturnType<typeof authApi>;
  keys: ReturnType<typeof keysApi>;
  admin: ReturnType<typeof adminApi>;
  mfa: ReturnType<typeof mfaApi>;
  organizations: ReturnType<typeof organizationsApi>;
  webhooks: ReturnType<typeof webhooksApi>;
}

export function createServices(fetchImpl?: typeof fetch): Services {
  const api = new ApiClient(fetchImpl);
  return {
    api,
    auth: authApi(api),
    keys: keysApi(api),
    admin: adminApi(api),
    mfa: mfaApi(api),
    organizations: organizationsApi(api),
    webhooks: webhooksApi(api),
  };
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside <ServicesContext.Provider>');
  return services;
}
