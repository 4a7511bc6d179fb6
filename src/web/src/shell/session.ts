/** Who is signed in and what their role may do; pages hide what the role may not. */
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';

export type Role = 'reader' | 'writer' | 'admin';
const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

export function useWhoami() {
  return useQuery({ queryKey: ['whoami'], queryFn: async () => ok(await api.GET('/api/v1/whoami')), staleTime: Infinity, retry: false });
}

/** Whether the signed-in role reaches `needed`. */
export function useCan(needed: Role): boolean {
  const { data } = useWhoami();
  return data ? RANK[data.role] >= RANK[needed] : false;
}
