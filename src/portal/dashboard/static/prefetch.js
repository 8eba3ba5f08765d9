// Starts the request of the view in the address (#/view/<id>) while the app's modules are still loading;
// app.js picks the answer up. No imports, so it runs as soon as the page is parsed.
try {
  const match = /^#\/view\/([^/?#]+)$/.exec(location.hash);
  const session = JSON.parse(sessionStorage.getItem('sbsync.session') ?? 'null');
  if (match && session?.token && Date.parse(session.expiresAt) > Date.now()) {
    window.sbsyncPrefetch = {
      id: decodeURIComponent(match[1]),
      token: session.token,
      response: fetch(`/v1/mobile/views/${match[1]}`, { headers: { accept: 'application/json', authorization: `Bearer ${session.token}` }, cache: 'no-store', credentials: 'omit' }).catch(() => undefined),
    };
  }
} catch {
  // nothing to prefetch: app.js asks itself
}
