/** `assay sessions list|show`: an experiment's conversations through the HTTP API. */
import type { Command } from 'commander';
import { apiRequest } from './api-client.ts';
import { printTable } from './table.ts';

interface AssessmentJson {
  assessment_name: string;
  feedback?: { value: unknown };
}

interface SessionJson {
  session_id: string;
  user_id: string | null;
  turns: number;
  first_time: string;
  last_time: string;
  assessments: AssessmentJson[];
}

interface SessionViewJson extends SessionJson {
  conversation: Array<{ trace_id: string; request_time: string; user: string | null; assistant: string | null }>;
  next_page_token?: string;
}

export function registerSessions(program: Command): void {
  const sessions = program.command('sessions').description('conversations: traces grouped by mlflow.trace.session');
  sessions
    .command('list')
    .description('list sessions, most recently active first, with their session-level feedback')
    .requiredOption('-x, --experiment-id <id>', 'experiment')
    .option('-f, --filter <filter>', 'only sessions with a trace matching this filter')
    .option('-u, --user <user_id>', 'only sessions with a turn by this user')
    .option('-n, --max-results <n>', 'sessions per page, 1 to 1000 (default 100)')
    .option('--page-token <token>', 'continue after the page that printed this token')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { experimentId: string; filter?: string; user?: string; maxResults?: string; pageToken?: string; json?: boolean }) => {
      const query = new URLSearchParams();
      if (options.filter !== undefined) query.set('filter_string', options.filter);
      if (options.user !== undefined) query.set('user_id', options.user);
      if (options.maxResults !== undefined) query.set('max_results', options.maxResults);
      if (options.pageToken !== undefined) query.set('page_token', options.pageToken);
      const path = `/api/v1/experiments/${encodeURIComponent(options.experimentId)}/sessions?${query.toString()}`;
      const result = await apiRequest<{ sessions: SessionJson[]; next_page_token?: string }>('GET', path);
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      printTable(
        ['session_id', 'user_id', 'turns', 'first_time', 'last_time', 'feedback'],
        result.sessions.map((s) => [s.session_id, s.user_id, s.turns, s.first_time, s.last_time, feedbackText(s.assessments)]),
      );
      console.error(`${result.sessions.length} sessions${result.next_page_token ? `; next page: --page-token ${result.next_page_token}` : ''}`);
    });
  sessions
    .command('show')
    .description('print a session as a conversation, turn by turn')
    .requiredOption('-x, --experiment-id <id>', 'experiment')
    .argument('<session_id>', 'the session (mlflow.trace.session)')
    .option('-n, --max-results <n>', 'turns per page, 1 to 5000 (default 1000)')
    .option('--page-token <token>', 'continue after the page that printed this token')
    .option('--json', 'print the API answer as JSON')
    .action(async (sessionId: string, options: { experimentId: string; maxResults?: string; pageToken?: string; json?: boolean }) => {
      const query = new URLSearchParams();
      if (options.maxResults !== undefined) query.set('max_results', options.maxResults);
      if (options.pageToken !== undefined) query.set('page_token', options.pageToken);
      const path = `/api/v1/experiments/${encodeURIComponent(options.experimentId)}/sessions/${encodeURIComponent(sessionId)}?${query.toString()}`;
      const s = await apiRequest<SessionViewJson>('GET', path);
      if (options.json) {
        console.log(JSON.stringify(s, null, 2));
        return;
      }
      console.log(`session ${s.session_id}  user ${s.user_id ?? '-'}  ${s.turns} turns  ${s.first_time} .. ${s.last_time}`);
      if (s.assessments.length > 0) console.log(`feedback: ${feedbackText(s.assessments)}`);
      for (const turn of s.conversation) {
        console.log(`\n[${turn.request_time}] ${turn.trace_id}`);
        console.log(`  user:      ${turn.user ?? '(no text)'}`);
        console.log(`  assistant: ${turn.assistant ?? '(no text)'}`);
      }
      if (s.next_page_token) console.error(`next page: --page-token ${s.next_page_token}`);
    });
}

function feedbackText(assessments: readonly AssessmentJson[]): string {
  return assessments
    .map((a) => `${a.assessment_name}=${typeof a.feedback?.value === 'string' ? a.feedback.value : JSON.stringify(a.feedback?.value)}`)
    .join(', ');
}
