/// The report's templates (Mustache). `{{x}}` is escaped for HTML in the HTML template; the text and
/// Markdown templates switch escaping off (their tables are made by ReportRenderer, escaped for Markdown).
enum ReportTemplates {
    static let html = #"""
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="generator" content="git-refuge">
    <title>{{title}}: {{scopeNote}}</title>
    <style>
    :root { --ink: #1d2330; --muted: #5d6778; --line: #d9dee7; --card: #f5f7fa; --red: #c0392b; --grey: #9aa5b5; --green: #1e8449; }
    * { box-sizing: border-box; }
    body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1040px; padding: 24px; }
    h1 { font-size: 24px; margin: 0 0 4px; }
    h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
    .meta { color: var(--muted); margin: 0; }
    code, .oid { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
    .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-top: 18px; }
    .figure { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
    .figure .value { font-size: 26px; font-weight: 600; }
    .figure .label { color: var(--muted); }
    .figure.alert .value { color: var(--red); }
    table { border-collapse: collapse; width: 100%; margin: 6px 0 4px; }
    th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-weight: 600; color: var(--muted); font-size: 12.5px; }
    td.num, th.num { text-align: right; }
    .badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 12px; border: 1px solid var(--line); }
    .state-lost { color: #fff; background: var(--red); border-color: var(--red); }
    .state-pinned { background: #fdf2d0; border-color: #e8c66a; }
    .state-recovered, .state-reachable { background: #e3f4e8; border-color: #9fd3ae; }
    .state-rewritten { color: var(--muted); }
    .dropped { margin: 4px 0 0; padding-left: 18px; }
    .none { color: var(--muted); font-style: italic; }
    svg { width: 100%; height: auto; }
    svg .total { fill: var(--grey); }
    svg .rewrite { fill: var(--red); }
    svg text { font-size: 11px; fill: var(--muted); }
    .legend span { display: inline-block; margin-right: 14px; color: var(--muted); }
    .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 5px; vertical-align: -1px; }
    @media print {
      body { max-width: none; padding: 0; font-size: 11px; }
      .figure { break-inside: avoid; }
      tr, .chart { break-inside: avoid; }
      h2 { break-after: avoid; }
    }
    </style>
    </head>
    <body>
    <header>
    <h1>{{title}}</h1>
    <p class="meta">{{scopeNote}} · {{period}}</p>
    <p class="meta">generated {{generatedAt}} from <code>{{database}}</code></p>
    </header>

    <section class="figures" aria-label="headline figures">
    {{#figures}}<div class="figure{{#alert}} alert{{/alert}}"><div class="value">{{value}}</div><div class="label">{{label}}</div></div>
    {{/figures}}
    </section>

    <h2>Updates per day</h2>
    {{#hasTimeline}}
    <div class="chart">
    <svg id="timeline" viewBox="0 0 720 200" role="img" aria-label="updates per day over {{timelineDays}} day(s), forced updates and deletions in red">
    <line x1="0" y1="170" x2="720" y2="170" stroke="#d9dee7"/>
    <text x="0" y="8">{{chartMax}}</text>
    {{#bars}}<g><title>{{title}}</title><rect class="total" x="{{x}}" y="{{totalY}}" width="{{width}}" height="{{totalHeight}}"/><rect class="rewrite" x="{{x}}" y="{{rewriteY}}" width="{{width}}" height="{{rewriteHeight}}"/></g>
    {{/bars}}
    {{#axisLabels}}<text x="{{x}}" y="188" text-anchor="{{anchor}}">{{text}}</text>
    {{/axisLabels}}
    </svg>
    <p class="legend"><span><i style="background:#9aa5b5"></i>all updates</span><span><i style="background:#c0392b"></i>forced updates and deletions</span></p>
    </div>
    {{/hasTimeline}}
    {{^hasTimeline}}<p class="none">No updates in this period.</p>{{/hasTimeline}}

    <table>
    <tr><th>kind</th>{{#byKind}}<th class="num">{{name}}</th>{{/byKind}}</tr>
    <tr><td>updates</td>{{#byKind}}<td class="num">{{count}}</td>{{/byKind}}</tr>
    </table>
    <table>
    <tr><th>side</th>{{#bySide}}<th class="num">{{name}}</th>{{/bySide}}</tr>
    <tr><td>updates</td>{{#bySide}}<td class="num">{{count}}</td>{{/bySide}}</tr>
    </table>

    {{#multiServer}}
    <h2>Servers</h2>
    <table>
    <tr><th>server</th><th class="num">updates</th><th class="num">forced updates and deletions</th><th class="num">commits still lost</th><th class="num">lost chains waiting</th></tr>
    {{#serverRows}}<tr><td><code>{{repository}}</code></td><td class="num">{{updates}}</td><td class="num">{{rewrites}}</td><td class="num">{{stillLost}}</td><td class="num">{{lostChains}}</td></tr>
    {{/serverRows}}
    </table>
    {{/multiServer}}
    {{#multiRepository}}
    <h2>Repositories</h2>
    <table>
    <tr><th>repository</th><th class="num">updates</th><th class="num">forced updates and deletions</th><th class="num">commits still lost</th><th class="num">lost chains waiting</th></tr>
    {{#repositoryRows}}<tr><td><code>{{repository}}</code></td><td class="num">{{updates}}</td><td class="num">{{rewrites}}</td><td class="num">{{stillLost}}</td><td class="num">{{lostChains}}</td></tr>
    {{/repositoryRows}}
    </table>
    {{/multiRepository}}

    <h2>Forced updates and deletions</h2>
    {{#rewritesNote}}<p class="none">{{rewritesNote}}</p>{{/rewritesNote}}
    {{#hasRewrites}}
    <table>
    <tr><th>event</th><th>time</th><th>ref</th><th>kind</th><th>pusher</th><th>from → to</th><th class="num">dropped</th><th>dropped commits, and where they are now</th></tr>
    {{#rewrites}}<tr><td>{{id}}</td><td>{{time}}</td><td><code>{{ref}}</code>{{#multiRepository}}<br><small>{{repository}}</small>{{/multiRepository}}</td><td>{{kind}}<br><small>{{side}}</small></td><td>{{pusher}}</td><td class="oid">{{from}} → {{to}}</td><td class="num">{{count}}</td>
    <td>{{#unknown}}<span class="none">not in this repository</span>{{/unknown}}<ul class="dropped">{{#dropped}}<li><span class="oid" title="{{oid}}">{{short}}</span> {{summary}} <small>({{author}})</small> <span class="badge state-{{state}}">{{state}}</span> <small>{{note}}</small></li>{{/dropped}}</ul></td></tr>
    {{/rewrites}}
    </table>
    {{/hasRewrites}}
    {{^hasRewrites}}<p class="none">None: no forced update or deletion in this period.</p>{{/hasRewrites}}

    <h2>Work dropped from people who pushed it</h2>
    {{#hasDroppedWork}}<ul class="dropped-work">
    {{#droppedWork}}<li>{{sentence}}<ul class="dropped">{{#commits}}<li><span class="oid" title="{{oid}}">{{short}}</span> {{summary}} <span class="badge state-{{state}}">{{state}}</span> <small>{{note}}</small></li>{{/commits}}</ul></li>
    {{/droppedWork}}</ul>{{/hasDroppedWork}}
    {{^hasDroppedWork}}<p class="none">None: no forced update on the server dropped commits someone else had pushed.</p>{{/hasDroppedWork}}

    <h2>Most rewritten refs</h2>
    <table><tr><th>ref</th><th class="num">forced updates and deletions</th></tr>
    {{#mostRewrittenRefs}}<tr><td><code>{{name}}</code></td><td class="num">{{count}}</td></tr>{{/mostRewrittenRefs}}
    {{^mostRewrittenRefs}}<tr><td colspan="2" class="none">none</td></tr>{{/mostRewrittenRefs}}
    </table>

    <h2>Most frequent force-pushers</h2>
    <table><tr><th>pusher</th><th class="num">forced updates and deletions</th></tr>
    {{#topForcePushers}}<tr><td>{{name}}</td><td class="num">{{count}}</td></tr>{{/topForcePushers}}
    {{^topForcePushers}}<tr><td colspan="2" class="none">none</td></tr>{{/topForcePushers}}
    </table>

    <h2>Lost commits waiting</h2>
    {{#lostProblem}}<p class="none">{{lostProblem}}</p>{{/lostProblem}}
    {{#hasLost}}
    <table>
    <tr><th>tip</th><th class="num">commits</th><th>found in</th><th>last on</th><th>since</th><th>author</th><th>summary</th><th>expires</th></tr>
    {{#lost}}<tr><td class="oid" title="{{oid}}">{{short}}</td><td class="num">{{commits}}</td><td>{{source}}</td><td><code>{{ref}}</code></td><td>{{time}}</td><td>{{author}}</td><td>{{summary}}</td><td>{{#pinned}}<span class="badge state-pinned">pinned</span>{{/pinned}}{{^pinned}}{{expires}}{{/pinned}}</td></tr>
    {{/lost}}
    </table>
    {{/hasLost}}
    {{^hasLost}}<p class="none">None: every commit the reflogs, the log and the pins know is on a branch.</p>{{/hasLost}}

    <h2>Recoveries</h2>
    {{#recoveriesNote}}<p class="none">{{recoveriesNote}}</p>{{/recoveriesNote}}
    <table><tr><th>event</th><th>time</th><th>ref</th><th>by</th><th>what</th></tr>
    {{#recoveries}}<tr><td>{{id}}</td><td>{{time}}</td><td><code>{{ref}}</code></td><td>{{pusher}}</td><td>{{detail}}</td></tr>{{/recoveries}}
    {{^recoveries}}<tr><td colspan="5" class="none">none</td></tr>{{/recoveries}}
    </table>

    <h2>Client pushes never confirmed</h2>
    {{#unconfirmedNote}}<p class="none">{{unconfirmedNote}}</p>{{/unconfirmedNote}}
    <table><tr><th>event</th><th>time</th><th>ref</th><th>by</th><th>push</th></tr>
    {{#unconfirmed}}<tr><td>{{id}}</td><td>{{time}}</td><td><code>{{ref}}</code></td><td>{{pusher}}</td><td>{{detail}}</td></tr>{{/unconfirmed}}
    {{^unconfirmed}}<tr><td colspan="5" class="none">none</td></tr>{{/unconfirmed}}
    </table>

    <h2>Policy refusals</h2>
    {{#refusalsNote}}<p class="none">{{refusalsNote}}</p>{{/refusalsNote}}
    <table><tr><th>event</th><th>time</th><th>ref</th><th>pusher</th><th>reason</th></tr>
    {{#refusals}}<tr><td>{{id}}</td><td>{{time}}</td><td><code>{{ref}}</code></td><td>{{pusher}}</td><td>{{detail}}</td></tr>{{/refusals}}
    {{^refusals}}<tr><td colspan="5" class="none">none</td></tr>{{/refusals}}
    </table>

    <h2>Integrity of the log</h2>
    <p>{{integrity}}</p>
    </body>
    </html>

    """#

    static let markdown = #"""
    {{% CONTENT_TYPE: TEXT }}
    # {{title}}

    {{scopeNote}}; {{period}}. Generated {{generatedAt}} from `{{database}}`.

    ## Headline figures

    {{{figuresTable}}}

    ## Updates by kind and side

    {{{kindTable}}}

    {{{sideTable}}}
    {{#multiServer}}

    ## Servers

    {{{serversTable}}}
    {{/multiServer}}
    {{#multiRepository}}

    ## Repositories

    {{{repositoriesTable}}}
    {{/multiRepository}}

    ## Forced updates and deletions

    {{{rewritesTable}}}
    {{{droppedList}}}

    ## Work dropped from people who pushed it

    {{{droppedWorkList}}}

    ## Most rewritten refs

    {{{refsTable}}}

    ## Most frequent force-pushers

    {{{pushersTable}}}

    ## Lost commits waiting

    {{{lostTable}}}

    ## Recoveries

    {{{recoveriesTable}}}

    ## Client pushes never confirmed

    {{{unconfirmedTable}}}

    ## Policy refusals

    {{{refusalsTable}}}

    ## Integrity of the log

    {{integrity}}

    """#

    static let text = #"""
    {{% CONTENT_TYPE: TEXT }}
    {{title}}: {{scopeNote}}
    {{period}} (generated {{generatedAt}})

    {{{figuresTable}}}
    {{{kindTable}}}
    {{{sideTable}}}
    {{#multiServer}}
    Servers
    {{{serversTable}}}
    {{/multiServer}}
    {{#multiRepository}}
    Repositories
    {{{repositoriesTable}}}
    {{/multiRepository}}
    Forced updates and deletions
    {{{rewritesTable}}}
    {{{droppedList}}}
    Work dropped from people who pushed it
    {{{droppedWorkList}}}
    Most rewritten refs
    {{{refsTable}}}
    Most frequent force-pushers
    {{{pushersTable}}}
    Lost commits waiting
    {{{lostTable}}}
    Recoveries
    {{{recoveriesTable}}}
    Client pushes never confirmed
    {{{unconfirmedTable}}}
    Policy refusals
    {{{refusalsTable}}}
    Integrity of the log: {{integrity}}

    """#
}
