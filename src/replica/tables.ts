/**
 * Which Sage tables a company's replica holds, and which database each is read from: the tables its
 * published services need (views, Data Manager datasets, consistency checks), not more.
 */
import type { ResolvedCompany } from '../config/resolve.js';
import type { SageModule } from '../sources/open.js';

export interface ReplicaTable {
  readonly name: string;
  /** The company database the table is read from (they are one database on most SQL Server installs). */
  readonly module: SageModule;
}

/** The accounting file's tables: what the accounting views, datasets and checks read. */
const ACCOUNTING = ['P_DOSSIER', 'P_DEVISE', 'F_COMPTEG', 'F_COMPTET', 'F_JOURNAUX', 'F_ECRITUREC', 'F_TAXE'] as const;
/**
 * The commercial file's tables, and the accounting ones the commercial views read (the fiscal years and
 * currency in P_DOSSIER/P_DEVISE, customer names in F_COMPTET, customer balances in F_ECRITUREC/F_COMPTEG).
 */
const COMMERCIAL_OWN = [
  'P_DOSSIERCIAL',
  'P_REGLEMENT',
  'F_COLLABORATEUR',
  'F_FAMILLE',
  'F_ARTICLE',
  'F_DEPOT',
  'F_ARTSTOCK',
  'F_DOCENTETE',
  'F_DOCLIGNE',
  'F_DOCREGL',
  'F_CREGLEMENT',
  'F_REGLECH',
] as const;
const COMMERCIAL_FROM_ACCOUNTING = ['P_DOSSIER', 'P_DEVISE', 'F_COMPTEG', 'F_COMPTET', 'F_ECRITUREC'] as const;

export type ReplicaGroup = 'accounting' | 'commercial';

/** The groups a company publishes (either service). */
export function replicaGroups(company: ResolvedCompany): ReplicaGroup[] {
  const s = company.services;
  const groups: ReplicaGroup[] = [];
  if (s.dataManager.accounting || s.businessMobile.accountingViews) groups.push('accounting');
  if (s.dataManager.commercial || s.businessMobile.commercialViews) groups.push('commercial');
  return groups;
}

/** The tables of `groups`, each once, accounting ones first. */
export function replicaTables(groups: readonly ReplicaGroup[]): ReplicaTable[] {
  const names = new Set<string>();
  const tables: ReplicaTable[] = [];
  const add = (name: string, module: SageModule) => {
    if (names.has(name)) return;
    names.add(name);
    tables.push({ name, module });
  };
  if (groups.includes('accounting')) for (const name of ACCOUNTING) add(name, 'accounting');
  if (groups.includes('commercial')) {
    for (const name of COMMERCIAL_FROM_ACCOUNTING) add(name, 'accounting');
    for (const name of COMMERCIAL_OWN) add(name, 'commercial');
  }
  return tables;
}
