/** The open conversation's Share and Export controls (decision 0113): the share dialog, and a
 * download of the conversation as Markdown (for an e-mail or a CRM note) or JSON. */
import { useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { asApiError } from "../../lib/errors";
import { ShareDialog } from "./ShareDialog";
import { downloadExport, type ExportFormat } from "./sharing";

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: "md", label: "Markdown (.md)" },
  { format: "json", label: "JSON (.json)" },
];

export function ConversationActions({ conversationId }: { conversationId: string }) {
  const [sharing, setSharing] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const download = async (format: ExportFormat, menu: HTMLDetailsElement | null) => {
    setProblem(null);
    if (menu) menu.open = false;
    try {
      await downloadExport(conversationId, format);
      announce("Export downloaded.");
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  return (
    <div class="conversation-actions">
      <button type="button" class="secondary small" onClick={() => setSharing(true)}>
        Share
      </button>
      <details class="export-menu">
        <summary class="button secondary small">Export</summary>
        <ul class="export-options">
          {FORMATS.map(({ format, label }) => (
            <li key={format}>
              <button
                type="button"
                class="link"
                onClick={(e) => void download(format, e.currentTarget.closest("details"))}
              >
                {label}
              </button>
            </li>
          ))}
        </ul>
      </details>
      {problem && (
        <span class="hint" role="alert">
          {problem}
        </span>
      )}
      {sharing && <ShareDialog conversationId={conversationId} onClose={() => setSharing(false)} />}
    </div>
  );
}
