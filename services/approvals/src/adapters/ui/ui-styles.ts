/** `/ui/app.css`: the console's styles (light and dark, no external fonts or images). */
export const UI_STYLES = String.raw`:root {
  color-scheme: light dark;
  --bg: #f5f6f8;
  --panel: #ffffff;
  --text: #1c2430;
  --muted: #5b6675;
  --line: #d9dee5;
  --accent: #2454d6;
  --ok: #13795b;
  --ok-bg: #e3f5ee;
  --bad: #b42318;
  --bad-bg: #fdecea;
  --warn: #8a5a00;
  --warn-bg: #fff4d6;
  --radius: 10px;
  font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #11151b;
    --panel: #1a2029;
    --text: #e6eaf0;
    --muted: #9aa5b4;
    --line: #2c3440;
    --accent: #7aa2ff;
    --ok: #5fd4a8;
    --ok-bg: #113328;
    --bad: #ff8a80;
    --bad-bg: #3a1714;
    --warn: #ffcf66;
    --warn-bg: #3a2d0c;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--panel); padding: 0.5rem; z-index: 2; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap;
}
.bar {
  display: flex; align-items: center; justify-content: space-between; gap: 1rem;
  padding: 0.75rem 1.5rem; background: var(--panel); border-bottom: 1px solid var(--line);
}
.bar h1 { margin: 0; font-size: 1.15rem; font-weight: 600; }
.brand { color: var(--accent); }
.conn { margin: 0; font-size: 0.9rem; color: var(--muted); display: flex; align-items: center; gap: 0.4rem; }
.conn::before { content: ''; width: 0.6rem; height: 0.6rem; border-radius: 50%; background: var(--muted); }
.conn[data-state='live']::before { background: var(--ok); }
.conn[data-state='connecting']::before, .conn[data-state='retrying']::before { background: var(--warn); }
.conn[data-state='error']::before { background: var(--bad); }
main { max-width: 62rem; margin: 0 auto; padding: 1.25rem 1.5rem 3rem; display: grid; gap: 1.25rem; }
h2 { font-size: 1.05rem; margin: 0 0 0.75rem; }
.panel, .card article {
  background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius);
}
.panel { padding: 1rem 1.25rem; }
form { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 0.75rem 1rem; align-items: start; }
.field { display: grid; gap: 0.25rem; }
.field label { font-weight: 600; font-size: 0.9rem; }
.field small, .muted { color: var(--muted); font-size: 0.82rem; }
.muted:empty { display: none; }
.actions { display: flex; gap: 0.5rem; align-items: end; align-self: end; }
input, select, button { font: inherit; color: inherit; }
input, select {
  padding: 0.45rem 0.6rem; border: 1px solid var(--line); border-radius: 7px; background: var(--bg);
}
button {
  padding: 0.45rem 0.9rem; border-radius: 7px; border: 1px solid var(--line);
  background: var(--panel); cursor: pointer;
}
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled, button[aria-disabled='true'] { opacity: 0.5; cursor: not-allowed; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
button.deny { background: var(--panel); border-color: var(--bad); color: var(--bad); }
button.link { border: none; background: none; text-decoration: underline; padding: 0; color: inherit; }
.error {
  display: flex; gap: 1rem; align-items: center; justify-content: space-between;
  padding: 0.75rem 1rem; border-radius: var(--radius); background: var(--bad-bg); color: var(--bad);
  border: 1px solid var(--bad);
}
.error:empty { display: none; }
.error p { margin: 0; }
.list-head { display: flex; align-items: center; justify-content: space-between; margin-bottom: 0.75rem; }
.list-head h2 { margin: 0; }
.count {
  display: inline-block; min-width: 1.6rem; padding: 0 0.45rem; margin-left: 0.3rem;
  border-radius: 999px; background: var(--line); font-size: 0.8rem; text-align: center;
}
.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.75rem; }
.card article { padding: 0.9rem 1.1rem; }
.card[data-status='approved'] article { border-left: 4px solid var(--ok); }
.card[data-status='denied'] article, .card[data-status='expired'] article { border-left: 4px solid var(--bad); }
.card-head { display: flex; justify-content: space-between; gap: 1rem; align-items: baseline; }
.card h3 { margin: 0; font-size: 1rem; }
.card .action { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.card .in { color: var(--muted); font-weight: 400; }
.badge { font-size: 0.78rem; font-weight: 600; padding: 0.1rem 0.55rem; border-radius: 999px; background: var(--warn-bg); color: var(--warn); }
.badge[data-status='approved'] { background: var(--ok-bg); color: var(--ok); }
.badge[data-status='denied'], .badge[data-status='expired'] { background: var(--bad-bg); color: var(--bad); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0.6rem 0; font-size: 0.88rem; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
[hidden] { display: none !important; }
details.payload summary { cursor: pointer; color: var(--muted); font-size: 0.88rem; }
details.payload pre {
  margin: 0.4rem 0 0; padding: 0.6rem; max-height: 16rem; overflow: auto;
  background: var(--bg); border-radius: 7px; font-size: 0.82rem;
}
.decide { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-top: 0.7rem; }
.decide label { font-size: 0.88rem; color: var(--muted); }
.note { margin: 0.5rem 0 0; font-size: 0.85rem; }
.note:empty { display: none; }
.note[data-kind='error'] { color: var(--bad); }
.empty { color: var(--muted); text-align: center; padding: 1.5rem; border: 1px dashed var(--line); border-radius: var(--radius); }
`;
