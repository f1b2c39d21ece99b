import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../app';
import { createServices } from '../services';
import type { FakeApi } from './fake-api';

/** The whole dashboard at `path`, talking to `api`. */
export function renderApp(api: FakeApi, path = '/') {
  window.history.replaceState(null, '', path);
  const user = userEvent.setup();
  const view = render(<App services={createServices(api.fetch)} />);
  return { user, ...view };
}
