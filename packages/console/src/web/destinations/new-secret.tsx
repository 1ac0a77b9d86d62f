import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { CreatedDestination } from '../api/destination-types';
import { hrefOf } from '../routing/route';

interface Props {
  destination: CreatedDestination;
  onDone: () => void;
}

/**
 * The signing secret of a destination just added, the one time the API gives it: in a read-only
 * box that selects itself, with a Copy button, and said plainly that it is not shown again.
 */
export function NewSecret({ destination, onDone }: Props) {
  const [copied, setCopied] = useState<string>();
  const box = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(destination.secret);
      setCopied('Copied to the clipboard.');
    } catch {
      box.current?.select();
      setCopied('The browser did not let the page copy: the secret is selected, copy it yourself.');
    }
  };

  return (
    <section class="panel new-secret" aria-labelledby="new-secret-title">
      <h2 id="new-secret-title" ref={heading} tabIndex={-1}>
        Destination added: its signing secret
      </h2>
      <p>
        Receivers check each webhook’s <code>webhook-signature</code> with this secret (Standard
        Webhooks). <strong>Copy it now: it is not shown again</strong>, neither here nor by the API.
      </p>
      <div class="secret-row">
        <input
          ref={box}
          class="secret"
          aria-label="Signing secret"
          data-testid="new-secret"
          readOnly
          spellcheck={false}
          value={destination.secret}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p class="hint" role="status">
        {copied}
      </p>
      <div class="actions">
        <a href={hrefOf({ view: 'destination', id: destination.id })}>
          See the deliveries to {destination.url}
        </a>
        <button type="button" onClick={onDone}>
          Done: I have kept the secret
        </button>
      </div>
    </section>
  );
}
