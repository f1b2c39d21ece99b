import { createContext, useContext } from 'react';
import { authApi } from './api/auth';
import { ApiClient } from './api/client';
import { keysApi } from './api/keys';
import { mfaApi } from './api/mfa';

export interface Services {
  api: ApiClient;
  auth: ReturnType<typeof authApi>;
  keys: ReturnType<typeof keysApi>;
  mfa: ReturnType<typeof mfaApi>;
}

export function createServices(fetchImpl?: typeof fetch): Services {
  const api = new ApiClient(fetchImpl);
  return { api, auth: authApi(api), keys: keysApi(api), mfa: mfaApi(api) };
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside <ServicesContext.Provider>');
  return services;
}
