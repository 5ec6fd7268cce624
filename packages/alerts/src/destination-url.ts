/**
 * What the API shows of a Slack-compatible webhook URL. The path of such a URL is its credential (anyone
 * holding it can post to the channel), so it is sealed like a signing secret and only the scheme and host
 * stay readable, enough to tell destinations apart.
 */
export function displayedWebhookUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}/…`;
}
