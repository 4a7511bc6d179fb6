/** Random and hostile searches on PGlite (search-fuzz-suite.ts): it answers one query at a time. */
import { searchFuzz } from './search-fuzz-suite.ts';

searchFuzz('pglite', 600, 1);
