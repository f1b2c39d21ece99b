import { useEffect, useMemo } from 'react';
import { CopyButton } from './copy-button';

/** Recovery codes, shown once: copy them, download them as a text file, then say they are saved. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const text = `Argus recovery codes (each works once)\n\n${codes.join('\n')}\n`;
  // A blob: URL for the download link (a data: or blob: href needs no script and passes the CSP).
  const href = useMemo(() => URL.createObjectURL(new Blob([text], { type: 'text/plain' })), [text]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  return (
    <div className="notice warning" role="region" aria-label="Your recovery codes">
      <h3>Save your recovery codes</h3>
      <p>
        Each code signs you in once if you lose your authenticator app. Keep them somewhere safe: <strong>they are shown only now.</strong>
      </p>
      <ul className="recovery-codes mono" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <div className="form-actions">
        <CopyButton text={codes.join('\n')} label="Copy recovery codes" />
        <a className="button secondary" href={href} download="argus-recovery-codes.txt">
          Download
        </a>
        <button type="button" className="button" onClick={onDone}>
          I have saved them
        </button>
      </div>
    </div>
  );
}
