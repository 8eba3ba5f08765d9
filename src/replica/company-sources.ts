/**
 * The Sage databases of one company, opened on first use and closed together: one source when the
 * accounting and commercial files are one database (SQLite files, most SQL Server installs), two otherwise.
 */
import type { ResolvedCompany } from '../config/resolve.js';
import { openCompanySource, type SageModule } from '../sources/open.js';
import type { SqlSource } from '../sources/source.js';

export class CompanySources {
  private readonly opened = new Map<string, Promise<SqlSource>>();

  /** `demoToday`: the local date a missing demo database is generated for (publish, views show, replica sync). */
  constructor(
    private readonly company: ResolvedCompany,
    private readonly demoToday?: string,
  ) {}

  get(module: SageModule): Promise<SqlSource> {
    const s = this.company.source;
    const key = s.type === 'sqlserver' && s.accountingDatabase !== s.commercialDatabase ? module : 'single';
    let source = this.opened.get(key);
    if (!source) {
      source = openCompanySource(this.company, module, this.demoToday === undefined ? {} : { demoToday: this.demoToday });
      this.opened.set(key, source);
    }
    return source;
  }

  async close(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    await Promise.all(all.map((p) => p.then((s) => s.close(), () => undefined)));
  }
}
