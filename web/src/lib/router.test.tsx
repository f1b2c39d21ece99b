import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Link, Router, matchPath, queryParam, replaceQuery, useRouter } from './router';

describe('matchPath', () => {
  it('matches fixed segments and extracts the named ones', () => {
    expect(matchPath('/settings/api-keys', '/settings/api-keys')).toEqual({});
    expect(matchPath('/settings/api-keys', '/settings/api-keys/')).toEqual({});
    expect(matchPath('/settings/api-keys/:id', '/settings/api-keys/abc%20d')).toEqual({ id: 'abc d' });
    expect(matchPath('/settings/api-keys/:id', '/settings/api-keys')).toBeUndefined();
    expect(matchPath('/settings/api-keys/:id', '/settings/api-keys/a/b')).toBeUndefined();
    expect(matchPath('/account/sessions', '/settings/sessions')).toBeUndefined();
  });
});

function Where() {
  const { path } = useRouter();
  return <p data-testid="path">{path}</p>;
}

describe('Link', () => {
  it('navigates in the page with the History API, and leaves modified clicks to the browser', () => {
    window.history.replaceState(null, '', '/start');
    render(
      <Router>
        <Link to="/account/sessions">Sessions</Link>
        <Where />
      </Router>,
    );
    expect(screen.getByTestId('path').textContent).toBe('/start');
    fireEvent.click(screen.getByRole('link', { name: 'Sessions' }), { ctrlKey: true });
    expect(screen.getByTestId('path').textContent).toBe('/start');
    fireEvent.click(screen.getByRole('link', { name: 'Sessions' }));
    expect(screen.getByTestId('path').textContent).toBe('/account/sessions');
    expect(window.location.pathname).toBe('/account/sessions');
  });
});

describe('a link with a query', () => {
  it('routes by the path alone and leaves the query for the page (queryParam, replaceQuery)', () => {
    window.history.replaceState(null, '', '/start');
    render(
      <Router>
        <Link to="/admin/keys?ownerEmail=ada%40example.com">Ada’s keys</Link>
        <Where />
      </Router>,
    );
    fireEvent.click(screen.getByRole('link', { name: 'Ada’s keys' }));
    expect(screen.getByTestId('path').textContent).toBe('/admin/keys');
    expect(queryParam('ownerEmail')).toBe('ada@example.com');
    replaceQuery({ ownerEmail: undefined, search: 'deploy bot' });
    expect(window.location.pathname + window.location.search).toBe('/admin/keys?search=deploy+bot');
    expect(queryParam('ownerEmail')).toBe('');
  });
});
