/** Asks for an API token when the server requires one; kept for this tab's session only. */
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import { setToken } from './token';

export function SignIn({ failed }: { failed: boolean }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(failed ? null : null);
  const client = useQueryClient();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setToken(value.trim());
    try {
      ok(await api.GET('/api/v1/whoami'));
      await client.resetQueries();
    } catch (e) {
      setToken(null);
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }
  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Assay</h1>
        <p className="muted">This Assay needs an API token. It is kept for this browser tab only.</p>
        <label htmlFor="token">API token</label>
        <input id="token" type="password" autoComplete="off" autoFocus value={value} onChange={(e) => setValue(e.target.value)} aria-describedby={error ? 'token-error' : undefined} />
        {error && <p id="token-error" className="field-error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={!value.trim()}>Sign in</button>
      </form>
    </main>
  );
}
