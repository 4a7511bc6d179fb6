/** Request validation with zod: every problem named by its field. */
export { parseWith } from '../domain/validate.ts';
