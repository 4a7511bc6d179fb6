/** API tokens (admin): list, create (the token shown once, with a copy button), revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import { useCan } from '../shell/session';

const ROLES = ['reader', 'writer', 'admin'] as const;

export function TokensPage() {
  const isAdmin = useCan('admin');
  const client = useQueryClient();
  const tokens = useQuery({ queryKey: ['tokens'], enabled: isAdmin, queryFn: async () => ok(await api.GET('/api/v1/tokens')).tokens });
  const [name, setName] = useState('');
  const [role, setRole] = useState<(typeof ROLES)[number]>('writer');
  const [copied, setCopied] = useState(false);
  const create = useMutation({
    mutationFn: async () => ok(await api.POST('/api/v1/tokens', { body: { name: name.trim(), role } })),
    onSuccess: () => { setName(''); setCopied(false); void client.invalidateQueries({ queryKey: ['tokens'] }); },
  });
  const revoke = useMutation({
    mutationFn: async (n: string) => ok(await api.DELETE('/api/v1/tokens/{name}', { params: { path: { name: n } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['tokens'] }),
  });
  if (!isAdmin) return <p className="page-error">Tokens are managed by admins.</p>;
  const error = create.error instanceof ApiError ? create.error.message : create.error ? String(create.error) : null;
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <section aria-labelledby="tokens-title">
      <div className="page-head"><h1 id="tokens-title">API tokens</h1></div>
      <form className="card row" onSubmit={submit} aria-label="New token">
        <label htmlFor="token-name">Name</label>
        <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="ingest-bot" aria-invalid={error ? true : undefined} aria-describedby={error ? 'token-error' : undefined} />
        <label htmlFor="token-role">Role</label>
        <select id="token-role" value={role} onChange={(e) => setRole(e.target.value as typeof role)}>{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}</select>
        <button type="submit" className="primary" disabled={!name.trim() || create.isPending}>Create token</button>
        {error && <p id="token-error" className="field-error" role="alert">{error}</p>}
      </form>
      {create.data && (
        <div className="card new-token" role="status">
          <p><strong>{create.data.info.name}</strong> ({create.data.info.role}): copy the token now; it is not shown again.</p>
          <div className="row">
            <code className="token-value" id="new-token">{create.data.token}</code>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(create.data.token).then(() => setCopied(true))}>{copied ? 'Copied' : 'Copy'}</button>
          </div>
        </div>
      )}
      {revoke.error && <p className="field-error" role="alert">{revoke.error.message}</p>}
      <div className="card table-wrap">
        <table className="grid runs">
          <thead><tr><th>Name</th><th>Role</th><th>Created</th><th>Last used</th><th>Revoked</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {tokens.data?.map((t) => (
              <tr key={t.name}>
                <td className="mono">{t.name}</td>
                <td>{t.role}</td>
                <td>{new Date(t.created_at).toLocaleString()}</td>
                <td>{t.last_used_at ? new Date(t.last_used_at).toLocaleString() : '—'}</td>
                <td>{t.revoked_at ? new Date(t.revoked_at).toLocaleString() : ''}</td>
                <td>{!t.revoked_at && <button type="button" className="link danger" onClick={() => { if (window.confirm(`Revoke the token '${t.name}'? Requests with it fail from now on.`)) revoke.mutate(t.name); }}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
