import { renderConfigurationDoc } from './configuration-doc.js';
import { renderErrorsDoc } from './errors-doc.js';
import { renderEventsDoc } from './events-doc.js';
import { renderSubjectsDoc } from './subjects-doc.js';

/** Every generated document: its file under docs/ and its renderer. */
export const DOCS: readonly { readonly file: string; readonly render: () => string }[] = [
  { file: 'errors.md', render: renderErrorsDoc },
  { file: 'events.md', render: renderEventsDoc },
  { file: 'subjects.md', render: renderSubjectsDoc },
  { file: 'configuration.md', render: renderConfigurationDoc },
];
