// `npm run docs` (after typedoc): the companion site from build/argument.json.
import { buildDocs } from '../src/report/buildDocs.js';

const [, , argumentFile, outDir] = process.argv;
buildDocs(argumentFile, outDir)
  .then((files) => console.log(`docs: ${files.length} pages and assets under ${outDir ?? 'build/docs'}; open build/docs/index.html`))
  .catch((error: unknown) => {
    console.error(`docs: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
