// Number, money and date formatting for the dashboard. Published amounts are exact decimal text
// ("1234.560000"): Intl.NumberFormat formats the string itself (exact decimal rounding, no float);
// only charts turn them into numbers, for drawing.

const LOCALES = { fr: 'fr-FR', en: 'en-GB' };
const cache = new Map();

function nf(lang, options) {
  const key = `${lang}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[lang] ?? LOCALES.fr, options);
    cache.set(key, f);
  }
  return f;
}

const isBlank = (v) => v === null || v === undefined || v === '';

/** 1 234,56 € */
export function money(text, currency, lang) {
  if (isBlank(text)) return '—';
  return nf(lang, { style: 'currency', currency: currency || 'EUR', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(String(text));
}

/** 12 k€, for chart axes. */
export function moneyShort(value, currency, lang) {
  return nf(lang, { style: 'currency', currency: currency || 'EUR', notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

/** 12,5 (quantities: at most 3 decimals). */
export function quantity(text, lang) {
  if (isBlank(text)) return '—';
  return nf(lang, { maximumFractionDigits: 3 }).format(String(text));
}

export function integer(value, lang) {
  return nf(lang, { maximumFractionDigits: 0 }).format(value);
}

/** "-10.9" → −10,9 % ; "12.0" → +12 % */
export function percent(text, lang, { signed = true } = {}) {
  if (isBlank(text)) return '—';
  return nf(lang, { style: 'unit', unit: 'percent', maximumFractionDigits: 1, signDisplay: signed ? 'exceptZero' : 'auto' }).format(String(text));
}

/** +1 234,56 € */
export function moneySigned(text, currency, lang) {
  if (isBlank(text)) return '—';
  return nf(lang, { style: 'currency', currency: currency || 'EUR', minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' }).format(String(text));
}

function utcDay(day) {
  const [y, m, d] = String(day).split('-').map(Number);
  return new Date(Date.UTC(y, (m || 1) - 1, d || 1));
}

/** 2026-11-27 → 27/11/2026 (fr), 27 Nov 2026 (en) */
export function date(day, lang) {
  if (isBlank(day)) return '—';
  const options = lang === 'en' ? { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' } : { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(LOCALES[lang] ?? LOCALES.fr, options).format(utcDay(day));
}

/** 2026-01 → janv. */
export function monthShort(month, lang) {
  return new Intl.DateTimeFormat(LOCALES[lang] ?? LOCALES.fr, { month: 'short', timeZone: 'UTC' }).format(utcDay(`${month}-01`));
}

/** 2026-01 → janvier 2026 */
export function monthLong(month, lang) {
  return new Intl.DateTimeFormat(LOCALES[lang] ?? LOCALES.fr, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(utcDay(`${month}-01`));
}

/** An ISO timestamp in the reader's time zone: 27/11/2026 10:00 */
export function dateTime(iso, lang) {
  if (isBlank(iso)) return '—';
  return new Intl.DateTimeFormat(LOCALES[lang] ?? LOCALES.fr, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
}

/** A decimal text as a number, for drawing only. */
export const num = (text) => (isBlank(text) ? null : Number(text));

/** Sign of a decimal text without parsing it as a float: -1, 0, 1. */
export function sign(text) {
  if (isBlank(text)) return 0;
  const s = String(text).trim();
  if (/^[-+]?0*(\.0*)?$/.test(s)) return 0;
  return s.startsWith('-') ? -1 : 1;
}
