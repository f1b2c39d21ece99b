/** The integration snippets shown with a new key: the real origin and the key, ready to paste. */
export interface Snippet {
  id: 'curl' | 'python' | 'node' | 'shell';
  label: string;
  code: string;
}

export function integrationSnippets(origin: string, key: string): Snippet[] {
  const url = `${origin}/api/auth/verify`;
  return [
    { id: 'curl', label: 'curl', code: `curl -s ${url} \\\n  -H "X-API-Key: ${key}"` },
    {
      id: 'python',
      label: 'Python (requests)',
      code: [
        'import requests',
        '',
        'response = requests.get(',
        `    "${url}",`,
        `    headers={"X-API-Key": "${key}"},`,
        '    timeout=10,',
        ')',
        'response.raise_for_status()',
        'print(response.json())',
      ].join('\n'),
    },
    {
      id: 'node',
      label: 'Node.js (fetch)',
      code: [
        `const response = await fetch('${url}', {`,
        `  headers: { 'X-API-Key': '${key}' },`,
        '});',
        'console.log(await response.json());',
      ].join('\n'),
    },
    {
      id: 'shell',
      label: 'Shell',
      code: [
        '# keep the key in the environment, out of your scripts and history',
        `export ARGUS_API_KEY='${key}'`,
        `curl -s "${origin}/api/keys" -H "X-API-Key: $ARGUS_API_KEY"`,
      ].join('\n'),
    },
  ];
}
