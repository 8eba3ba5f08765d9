// One renderer per shape of view (docs/views.md): figures as cards, monthly series as column charts with
// last year as a line, aged balances as stacked bars, rankings as tables with inline bars, lists as lists.
import { columnChart, inlineBar, stackedBar, stackLegend } from './charts.js';
import { h } from './dom.js';
import * as f from './format.js';

// ── building blocks ──

function changeLine(comparison, ctx, formatValue) {
  const { t } = ctx;
  if (!comparison) return null;
  const direction = f.sign(comparison.change);
  const arrow = direction > 0 ? '▲' : direction < 0 ? '▼' : '＝';
  const pct = comparison.changePercent === null || comparison.changePercent === undefined ? null : f.percent(comparison.changePercent, ctx.lang);
  return h(
    'p',
    { class: ['card-change', direction > 0 ? 'up' : direction < 0 ? 'down' : 'flat'] },
    h('span', { 'aria-hidden': 'true' }, `${arrow} `),
    pct ?? f.moneySigned(comparison.change, ctx.currency, ctx.lang),
    ` ${t.vsLastYear}`,
    h('span', { class: 'card-previous' }, ` (${t.lastYear} : ${formatValue(comparison.previous)})`),
  );
}

/** A headline figure. value: decimal text; comparison: {current, previous, change, changePercent}. */
function card(label, value, ctx, { comparison, note, format = 'money', id } = {}) {
  const formatValue = (v) => (format === 'money' ? f.money(v, ctx.currency, ctx.lang) : format === 'count' ? f.integer(Number(v), ctx.lang) : f.quantity(v, ctx.lang));
  return h(
    'div',
    { class: 'card', 'data-figure': id ?? null },
    h('p', { class: 'card-label' }, label),
    h('p', { class: 'card-value', 'data-value': String(value) }, formatValue(value)),
    changeLine(comparison, ctx, formatValue),
    note ? h('p', { class: 'card-note' }, note) : null,
  );
}

const cards = (...items) => h('div', { class: 'cards' }, items);

function section(title, ...children) {
  return h('section', { class: 'block' }, h('h3', null, title), children);
}

/**
 * A table; columns: [{ label, num?, cell(row) → node|string }]. Long tables show `page` rows and a button
 * for more, so a view with thousands of rows still renders at once.
 */
function table(columns, rows, ctx, { page = 50, caption, footer } = {}) {
  const tbody = h('tbody');
  const renderRow = (row) => h('tr', null, columns.map((column, i) => h(i === 0 ? 'th' : 'td', { class: column.num ? 'num' : null, scope: i === 0 ? 'row' : null }, column.cell(row))));
  let shown = 0;
  const more = h('button', { type: 'button', class: 'more' });
  const status = h('p', { class: 'muted small', 'aria-live': 'polite' });
  const showMore = () => {
    const next = rows.slice(shown, shown + page);
    tbody.append(...next.map(renderRow));
    shown += next.length;
    more.hidden = shown >= rows.length;
    more.textContent = ctx.t.more(Math.min(page, rows.length - shown));
    status.textContent = rows.length > page ? ctx.t.shown(shown, rows.length) : '';
  };
  more.addEventListener('click', showMore);
  showMore();
  return h(
    'div',
    { class: 'table-block' },
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption ?? '' }, h('table', null, caption ? h('caption', { class: 'sr-only' }, caption) : null, h('thead', null, h('tr', null, columns.map((column) => h('th', { scope: 'col', class: column.num ? 'num' : null }, column.label)))), tbody, footer ? h('tfoot', null, footer) : null)),
    status,
    more,
  );
}

function paged(items, renderItem, ctx, { page = 30, listClass = 'items' } = {}) {
  const list = h('ul', { class: listClass });
  let shown = 0;
  const more = h('button', { type: 'button', class: 'more' });
  const showMore = () => {
    const next = items.slice(shown, shown + page);
    list.append(...next.map((item) => h('li', null, renderItem(item))));
    shown += next.length;
    more.hidden = shown >= items.length;
    more.textContent = ctx.t.more(Math.min(page, items.length - shown));
  };
  more.addEventListener('click', showMore);
  showMore();
  return h('div', null, list, more);
}

const nameCell = (name, code) => [h('span', { class: 'name' }, name || '—'), code ? h('span', { class: 'code' }, code) : null];
const maxOf = (rows, pick) => rows.reduce((max, row) => Math.max(max, f.num(pick(row)) ?? 0), 0);

const money = (ctx) => (v) => f.money(v, ctx.currency, ctx.lang);
const axis = (ctx) => (v) => f.moneyShort(v, ctx.currency, ctx.lang);

function monthLabels(months, ctx) {
  return months.map((m) => ({ key: m.month, short: f.monthShort(m.month, ctx.lang), long: f.monthLong(m.month, ctx.lang) }));
}

function yearNames(data, ctx) {
  const start = data.fiscalYear?.start?.slice(0, 4);
  const end = data.fiscalYear?.end?.slice(0, 4);
  if (!start) return [ctx.t.currentYear, ctx.t.lastYear];
  const label = (offset) => (start === end ? String(Number(start) - offset) : `${Number(start) - offset}–${Number(end) - offset}`);
  return [`${ctx.t.currentYear} (${label(0)})`, `${ctx.t.lastYear} (${label(1)})`];
}

function monthChart(title, months, currentKey, previousKey, data, ctx) {
  const [current, previous] = yearNames(data, ctx);
  return columnChart({
    kind: 'months',
    title,
    width: ctx.width,
    labels: monthLabels(months, ctx),
    series: [
      { name: current, type: 'bar', cls: 's-current', values: months.map((m) => m[currentKey]) },
      { name: previous, type: 'line', cls: 's-previous', values: months.map((m) => m[previousKey]) },
    ],
    format: money(ctx),
    axis: axis(ctx),
    dataCaption: ctx.t.showData,
    categoryHeader: ctx.t.month,
  });
}

// ── renderers by shape ──

function monthSeries(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  const chartTitle = view.id === 'revenue-by-month' ? t.revenueChart : view.id === 'sales-by-month' ? t.salesChart : view.title[ctx.lang];
  return [
    cards(card(t.yearToDate, data.yearToDate.current, ctx, { comparison: data.yearToDate, id: 'yearToDate', note: data.fiscalYear ? t.fiscalYear(f.date(data.fiscalYear.start, ctx.lang), f.date(data.fiscalYear.end, ctx.lang)) : null })),
    section(chartTitle, monthChart(chartTitle, data.months, 'current', 'previous', data, ctx)),
  ];
}

function incomeExpenses(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  return [
    cards(card(t.income, data.income.current, ctx, { comparison: data.income, id: 'income' }), card(t.expenses, data.expenses.current, ctx, { comparison: data.expenses, id: 'expenses' }), card(t.result, data.result.current, ctx, { comparison: data.result, id: 'result' })),
    section(t.income, monthChart(t.incomeChart, data.months, 'income', 'previousIncome', data, ctx)),
    section(t.expenses, monthChart(t.expensesChart, data.months, 'expenses', 'previousExpenses', data, ctx)),
  ];
}

function treasury(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  return [
    cards(card(t.balance, data.balance.current, ctx, { comparison: data.balance, id: 'balance' })),
    section(
      t.monthEnds,
      columnChart({
        kind: 'months',
        title: t.monthEnds,
        width: ctx.width,
        labels: data.monthEnds.map((m) => ({ key: m.month, short: f.monthShort(m.month, ctx.lang), long: f.date(m.date, ctx.lang) })),
        series: [{ name: t.balance, type: 'bar', cls: 's-current', values: data.monthEnds.map((m) => m.balance) }],
        format: money(ctx),
        axis: axis(ctx),
        dataCaption: t.showData,
        categoryHeader: t.month,
      }),
    ),
    section(
      t.accounts,
      table(
        [
          { label: t.account, cell: (r) => nameCell(r.name, r.account) },
          { label: '', cell: (r) => t[r.nature] ?? r.nature },
          { label: t.balance, num: true, cell: (r) => f.money(r.balance, ctx.currency, ctx.lang) },
        ],
        data.accounts,
        ctx,
        { caption: t.accounts },
      ),
    ),
  ];
}

function outstanding(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  const customers = data.rows.some((r) => r.creditLimit !== null && r.creditLimit !== undefined);
  const max = maxOf(data.rows, (r) => r.outstanding);
  return [
    cards(
      card(t.outstandingTotal, data.total, ctx, { id: 'total' }),
      card(t.overdue, data.overdue, ctx, { id: 'overdue' }),
      card(t.count, data.count, ctx, { format: 'count', id: 'count' }),
      customers ? card(t.overLimit, data.overLimitCount, ctx, { format: 'count', id: 'overLimitCount' }) : null,
    ),
    section(
      view.title[ctx.lang],
      table(
        [
          { label: t.name, cell: (r) => [nameCell(r.name, r.account), r.overLimit ? h('span', { class: 'badge' }, t.overLimitBadge) : null] },
          { label: t.outstanding, num: true, cell: (r) => [f.money(r.outstanding, ctx.currency, ctx.lang), inlineBar((f.num(r.outstanding) ?? 0) / (max || 1))] },
          { label: t.overdue, num: true, cell: (r) => f.money(r.overdue, ctx.currency, ctx.lang) },
          ...(customers ? [{ label: t.creditLimit, num: true, cell: (r) => f.money(r.creditLimit, ctx.currency, ctx.lang) }] : []),
        ],
        data.rows,
        ctx,
        { caption: view.title[ctx.lang] },
      ),
    ),
  ];
}

function aged(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  const segments = (source) => data.buckets.map((bucket, i) => ({ key: bucket.id, label: bucket.label[ctx.lang] ?? bucket.id, value: source[bucket.id], cls: `s-b${i}` }));
  const totals = segments(data.totals);
  const fmt = money(ctx);
  return [
    cards(card(t.total, data.totals.total, ctx, { id: 'total' })),
    section(t.agedTotals, h('div', { class: 'stack-block' }, stackedBar({ segments: totals, format: fmt, width: ctx.width, height: 32, title: `${t.agedTotals} — ${totals.map((x) => `${x.label} : ${fmt(x.value)}`).join(', ')}` }), stackLegend(totals, fmt))),
    section(
      t.byThirdParty,
      table(
        [
          { label: t.name, cell: (r) => nameCell(r.name, r.account) },
          { label: t.split, cell: (r) => stackedBar({ segments: segments(r), format: fmt, width: 120, height: 14 }) },
          { label: t.total, num: true, cell: (r) => fmt(r.total) },
          ...data.buckets.map((bucket) => ({ label: bucket.label[ctx.lang] ?? bucket.id, num: true, cell: (r) => fmt(r[bucket.id]) })),
        ],
        data.rows,
        ctx,
        { caption: t.byThirdParty },
      ),
    ),
  ];
}

function ranking(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  const hasQuantity = data.rows.some((r) => r.quantity !== undefined);
  const hasMargin = data.rows.some((r) => r.margin !== undefined);
  const max = maxOf(data.rows, (r) => r.sales.current);
  const period = data.period ? t.periodFromTo(f.date(data.period.from, ctx.lang), f.date(data.period.to, ctx.lang)) : null;
  const columns = [
    { label: t.rank, num: true, cell: (r) => String(r.rank) },
    { label: t.name, cell: (r) => nameCell(r.name, r.code) },
    { label: t.sales, num: true, cell: (r) => [f.money(r.sales.current, ctx.currency, ctx.lang), inlineBar((f.num(r.sales.current) ?? 0) / (max || 1))] },
    { label: t.change, num: true, cell: (r) => h('span', { class: f.sign(r.sales.change) > 0 ? 'up' : f.sign(r.sales.change) < 0 ? 'down' : null }, r.sales.changePercent === null ? t.noChange : f.percent(r.sales.changePercent, ctx.lang)) },
    { label: t.share, num: true, cell: (r) => f.percent(r.share, ctx.lang, { signed: false }) },
    ...(hasQuantity ? [{ label: t.quantity, num: true, cell: (r) => f.quantity(r.quantity, ctx.lang) }] : []),
    ...(hasMargin ? [{ label: t.margin, num: true, cell: (r) => f.money(r.margin, ctx.currency, ctx.lang) }, { label: t.marginRate, num: true, cell: (r) => f.percent(r.marginRate, ctx.lang, { signed: false }) }] : []),
  ];
  const footer = data.others ? h('tr', null, h('td'), h('th', { scope: 'row' }, t.others(data.others.count)), h('td', { class: 'num' }, f.money(data.others.sales, ctx.currency, ctx.lang)), columns.slice(3).map(() => h('td'))) : null;
  return [
    cards(card(t.salesTotal, data.total.current, ctx, { comparison: data.total, id: 'total', note: period })),
    section(t.ranking, table(columns, data.rows, ctx, { caption: view.title[ctx.lang], footer })),
  ];
}

function dueDates(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  return [
    cards(card(t.overdueReceivable, data.overdue.receivable, ctx, { id: 'overdueReceivable' }), card(t.overduePayable, data.overdue.payable, ctx, { id: 'overduePayable' })),
    section(
      t.weeks,
      columnChart({
        kind: 'weeks',
        title: t.weeks,
        width: ctx.width,
        labels: data.weeks.map((w) => ({ key: String(w.week), short: f.date(w.from, ctx.lang).slice(0, 5), long: t.weekOf(f.date(w.from, ctx.lang)) })),
        series: [
          { name: t.receivable, type: 'bar', cls: 's-receivable', values: data.weeks.map((w) => w.receivable) },
          { name: t.payable, type: 'bar', cls: 's-payable', values: data.weeks.map((w) => w.payable) },
        ],
        format: money(ctx),
        axis: axis(ctx),
        dataCaption: t.showData,
        categoryHeader: t.week,
      }),
    ),
    section(
      `${t.items} (${f.integer(data.itemCount, ctx.lang)})`,
      paged(
        data.items,
        (item) => [
          h('div', { class: 'item-main' }, h('span', { class: 'name' }, item.name || item.account), h('span', { class: ['num', 'amount', item.side === 'payable' ? 'payable' : 'receivable'] }, f.money(item.amount, ctx.currency, ctx.lang))),
          h('div', { class: 'item-sub' }, `${t.dueDate} ${f.date(item.dueDate, ctx.lang)} · ${item.side === 'payable' ? t.payable : t.receivable} · ${item.reference || item.piece}`),
        ],
        ctx,
      ),
    ),
  ];
}

function documents(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  const ages = data.byAge.map((age, i) => ({ key: age.id, label: `${t.ages[age.id] ?? age.id} (${age.count})`, value: age.amount, cls: `s-b${i * 2}` }));
  const fmt = money(ctx);
  return [
    cards(card(t.documentsCount, data.count, ctx, { format: 'count', id: 'count' }), card(t.amountExclTax, data.amount, ctx, { id: 'amount' }), card(t.amountInclTax, data.amountInclTax, ctx, { id: 'amountInclTax' })),
    section(t.byAge, h('div', { class: 'stack-block' }, stackedBar({ segments: ages, format: fmt, width: ctx.width, height: 24, title: `${t.byAge} — ${ages.map((x) => `${x.label} : ${fmt(x.value)}`).join(', ')}` }), stackLegend(ages, fmt))),
    section(
      t.documents,
      data.truncated ? h('p', { class: 'muted small' }, t.truncated) : null,
      paged(
        data.documents,
        (doc) => [
          h('div', { class: 'item-main' }, h('span', { class: 'name' }, doc.customer?.name || doc.customer?.code || '—'), h('span', { class: 'num amount' }, fmt(doc.amount))),
          h('div', { class: 'item-sub' }, `${doc.piece} · ${f.date(doc.date, ctx.lang)} · ${t.ageDays(doc.ageDays)}${doc.deliveryDate ? ` · ${t.delivery} ${f.date(doc.deliveryDate, ctx.lang)}` : ''} · ${t.lines(doc.lines)}`),
        ],
        ctx,
      ),
    ),
  ];
}

function shortages(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  const q = (v) => f.quantity(v, ctx.lang);
  return [
    cards(card(t.shortagesCount, data.count, ctx, { format: 'count', id: 'count' })),
    section(
      t.shortages,
      paged(
        data.items,
        (item) => [
          h('div', { class: 'item-main' }, h('span', { class: 'name' }, item.name || item.item), h('span', { class: 'num amount down' }, `−${q(item.shortfall)}`)),
          h('div', { class: 'item-sub' }, `${item.item} · ${item.warehouse?.name ?? ''}`),
          h('div', { class: 'item-sub' }, `${t.stock} ${q(item.quantity)} · ${t.minimum} ${q(item.minimum)} · ${t.reserved} ${q(item.reserved)} · ${t.ordered} ${q(item.ordered)} · ${t.projected} ${q(item.projected)}`),
        ],
        ctx,
      ),
    ),
  ];
}

function stockValue(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  const max = maxOf(data.warehouses, (w) => w.value);
  return [
    cards(card(t.stockValue, data.total.value, ctx, { id: 'value' }), card(t.stockQuantity, data.total.quantity, ctx, { format: 'quantity', id: 'quantity' }), card(t.stockItems, data.total.items, ctx, { format: 'count', id: 'items' })),
    section(
      t.warehouses,
      table(
        [
          { label: t.warehouse, cell: (w) => nameCell(w.name, String(w.code)) },
          { label: t.stockValue, num: true, cell: (w) => [f.money(w.value, ctx.currency, ctx.lang), inlineBar((f.num(w.value) ?? 0) / (max || 1))] },
          { label: t.quantity, num: true, cell: (w) => f.quantity(w.quantity, ctx.lang) },
          { label: t.stockItems, num: true, cell: (w) => f.integer(w.items, ctx.lang) },
        ],
        data.warehouses,
        ctx,
        { caption: t.warehouses },
      ),
    ),
  ];
}

function customerCards(view, ctx) {
  const { data } = view;
  const { t } = ctx;
  const fmt = money(ctx);
  const renderCard = (c) =>
    h(
      'article',
      { class: 'customer' },
      h('h4', null, c.name, ' ', h('span', { class: 'code' }, c.account)),
      h('dl', { class: 'facts' }, [
        [t.sales12, [fmt(c.sales12Months?.current), c.sales12Months?.changePercent ? h('span', { class: f.sign(c.sales12Months.change) < 0 ? 'down' : 'up' }, ` (${f.percent(c.sales12Months.changePercent, ctx.lang)} ${t.vsLastYear})`) : null]],
        [t.outstanding, fmt(c.outstanding)],
        [t.overdue, fmt(c.overdue)],
        [t.creditLimit, fmt(c.creditLimit)],
        c.rep ? [t.rep, c.rep.name] : null,
        c.contact ? [t.contact, c.contact] : null,
        c.phone ? [t.phone, h('a', { href: `tel:${c.phone.replace(/[^\d+]/g, '')}` }, c.phone)] : null,
        c.email ? [t.email, h('a', { href: `mailto:${c.email}` }, c.email)] : null,
        c.address ? [t.address, [c.address.street, c.address.complement, `${c.address.postalCode ?? ''} ${c.address.city ?? ''}`.trim()].filter(Boolean).join(', ')] : null,
      ].filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
      c.lastDocuments?.length ? h('details', null, h('summary', null, t.lastDocuments), h('ul', { class: 'docs' }, c.lastDocuments.map((d) => h('li', null, `${d.label} ${d.piece} · ${f.date(d.date, ctx.lang)} · ${fmt(d.amount)}${d.remainingToPay && f.sign(d.remainingToPay) !== 0 ? ` · ${t.remaining} ${fmt(d.remainingToPay)}` : ''}`)))) : null,
    );
  const holder = h('div');
  const show = (query) => {
    const q = query.trim().toLowerCase();
    const found = q ? data.cards.filter((c) => [c.name, c.account, c.address?.city].some((v) => String(v ?? '').toLowerCase().includes(q))) : data.cards;
    holder.replaceChildren(found.length ? paged(found, renderCard, ctx, { page: 20, listClass: 'customers' }) : h('p', { class: 'muted' }, t.noMatch));
  };
  const input = h('input', { id: 'customer-search', type: 'search', autocomplete: 'off', 'aria-describedby': 'customer-search-hint' });
  input.addEventListener('input', () => show(input.value));
  show('');
  return [
    cards(card(t.cardsCount, data.count, ctx, { format: 'count', id: 'count' })),
    section(t.cardsCount, h('div', { class: 'field' }, h('label', { for: 'customer-search' }, t.search), input, h('p', { id: 'customer-search-hint', class: 'muted small' }, t.searchHint)), holder),
  ];
}

function unknown(view, ctx) {
  return [h('p', null, ctx.t.unknownKind), h('pre', { class: 'raw', tabindex: '0' }, JSON.stringify(view.data, null, 2))];
}

function rendererOf(view) {
  const d = view.data ?? {};
  switch (view.kind) {
    case 'series':
      return d.months?.[0] && 'income' in d.months[0] ? incomeExpenses : d.yearToDate && d.months ? monthSeries : unknown;
    case 'balances':
      return d.accounts ? treasury : d.warehouses ? stockValue : d.rows ? outstanding : unknown;
    case 'aged':
      return d.buckets && d.rows ? aged : unknown;
    case 'ranking':
      return d.rows && d.total ? ranking : unknown;
    case 'list':
      return d.weeks ? dueDates : d.documents ? documents : d.items ? shortages : unknown;
    case 'cards':
      return d.cards ? customerCards : unknown;
    default:
      return unknown;
  }
}

/** The body of a view (below its title and dates). ctx: { lang, t, width, currency } */
export function renderView(view, ctx) {
  try {
    return rendererOf(view)(view, ctx);
  } catch (error) {
    console.error(error);
    return unknown(view, ctx);
  }
}
