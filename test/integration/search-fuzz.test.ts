/** Random and hostile searches on Postgres (search-fuzz-suite.ts): four requests at a time. */
import { searchFuzz } from './search-fuzz-suite.ts';

searchFuzz('postgres', 2500, 4);
