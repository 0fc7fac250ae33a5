/**
 * Whether a host name or address stays on this machine: `localhost` and its
 * subdomains, 127.0.0.0/8, ::1 and IPv4-mapped 127.x, with or without the
 * brackets a URL puts around IPv6. One rule for bind addresses, plain-http
 * GitLab URLs and the dashboard's local-only check.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '::1' ||
    /^127(?:\.\d{1,3}){3}$/.test(h) ||
    /^::ffff:127(?:\.\d{1,3}){3}$/.test(h)
  );
}
