/**
 * A realistic 20 KB LLM trace: a retrieval-augmented support answer as a
 * tracer records it (system prompt, the user's question, retrieved passages
 * with their metadata, the model's answer, token counts and timings). The
 * text is ordinary English prose written for this bench, not random words or
 * bytes, so gzip sees what it sees on real traces. Each trace takes its
 * passages in a different order and numbers its fields differently.
 */
import type { BenchTrace } from './trace-fixtures.js';

const PASSAGES = [
  `Backups run every night at the time chosen in the schedule settings, in the time zone of the device, not of the account. If a device is asleep or offline at that moment, the backup starts within fifteen minutes of the device waking up or reconnecting, and the dashboard shows it as delayed rather than missed. A backup that is interrupted resumes from the last completed block the next time it runs, so a laptop that is closed halfway through does not start again from the beginning. Administrators can require a minimum of one successful backup every seven days; devices that fall behind are listed on the compliance page with the date of their last good copy.`,
  `Retention is set per policy. The default keeps every daily version for thirty days, one version per week for three months, and one per month for a year. Shortening a retention period does not delete versions at once: they are marked for removal and purged after a grace period of fourteen days, during which an administrator can undo the change. Legal hold overrides retention entirely. While a hold is active on a user or a folder, no version of any file under it is purged, and the storage it occupies is still counted against the organisation's quota, which is the most common reason quotas fill up unexpectedly.`,
  `Restoring a single file is done from the web console or from the desktop client. Pick the file, choose a version from the timeline, and select whether to restore it to its original location or download it. Restores of whole folders larger than fifty gigabytes are prepared in the background and the user receives an email with a link that stays valid for seventy-two hours. When a file is restored to its original location and a newer copy exists there, the newer copy is kept and the restored one is saved next to it with the date appended to its name, so nothing is overwritten without the user noticing.`,
  `Encryption happens on the device before any data leaves it. Each organisation has its own key hierarchy: a root key held in the provider's hardware security modules, and per-device keys derived from it that never leave the device unencrypted. Customers on the enterprise plan can bring their own root key and revoke it at any time, after which no backup of that organisation can be read, including by support staff. Because data is encrypted on the device, deduplication only works within one organisation; identical files in two different organisations are stored twice.`,
  `Bandwidth limits can be set for office hours and for the rest of the day separately. The client also backs off on its own when it detects a metered connection, such as a phone hotspot, and waits until an unmetered network is available unless the user overrides it. On networks with high latency, enabling parallel uploads in the advanced settings usually helps more than raising the bandwidth limit, because each upload stream waits for acknowledgements before sending more data. Uploads are sent in blocks of four megabytes, and a block that fails is retried with an increasing delay of up to ten minutes.`,
  `Error code 4012 means the device's credentials have expired, usually because the user changed their password and the client was offline at the time. Signing out of the client and back in fixes it; no data is lost, and the next backup continues where the last one stopped. Error code 5030 means the service was temporarily unavailable; the client retries by itself and the error clears without action. Error code 4130 means a file was skipped because it was locked by another program for the whole backup window. Database files and virtual machine images are the usual cause, and the documentation describes how to back them up with snapshot support enabled.`,
  `Mobile devices back up photos, videos and documents from the folders the user selects. By default the mobile client only uploads while the phone is charging and connected to Wi-Fi, which keeps battery use and data charges low. Users can allow uploads over cellular data for photos only. Because mobile operating systems limit how long an app may run in the background, a large first backup can take several nights; keeping the app open in the foreground while charging speeds it up considerably. Deleting a photo on the phone does not delete it from the backup; it stays available for the retention period of the policy.`,
  `Audit logs record every sign-in, restore, policy change and key operation, with the user, the device, the time and the address it came from. Logs are kept for one year on the business plan and for seven years on the enterprise plan, and they can be streamed to an external security information system in near real time. A restore performed by an administrator on behalf of a user is logged under both names. Exports of the audit log are signed, so an auditor can verify that an exported file has not been edited since it was produced, and each export itself appears as an entry in the log.`,
];

const SYSTEM_PROMPT = `You are the support assistant for a cloud backup service. Answer the customer's question using only the passages provided in the context. If the passages do not contain the answer, say so plainly and suggest contacting support. Quote error codes exactly. Keep the answer short, friendly and practical, use numbered steps when the customer has to do something, and cite the passages you relied on by their identifiers in square brackets.`;

const QUESTIONS = [
  'My laptop backup says error 4012 and it has not backed up since I changed my password last week. Will I lose my files, and how do I fix it?',
  'We shortened our retention policy yesterday but our storage usage has not gone down at all. Is something wrong, and when will the space be freed?',
  'I need to restore a folder of about eighty gigabytes for a colleague who is leaving. How long will it take and will it overwrite her newer files?',
];

/** Earlier turns of the same conversation, sent again with each call as chat histories are. */
const HISTORY = [
  {
    role: 'user',
    content: `Hi, I set up the backup client on my new laptop about a month ago and it seemed to work fine at first. This week I noticed the little cloud icon has a yellow triangle on it. I travel a lot for work, so the laptop is often on hotel networks or tethered to my phone, and I am not sure whether that matters. I also changed my password on Monday because the company asked everyone to. Could any of that be the reason?`,
  },
  {
    role: 'assistant',
    content: `Thanks for the details, they help a lot. A yellow triangle means the client has a warning to show you, not that your data is gone. Travelling can play a part: when the laptop is on a phone hotspot or another metered connection, the client deliberately waits for an unmetered network before uploading, so backups can be postponed for a few days on the road. Hotel networks sometimes block the ports the client uses as well, in which case it keeps retrying quietly in the background. The password change you mention could also matter if the laptop was offline when you made it. Could you open the client and tell me the exact message or error code it shows next to the warning?`,
  },
  {
    role: 'user',
    content: `Sorry, one more thing before I check: a colleague told me that if the backup falls behind for too long the company might wipe the laptop remotely. Is that true? I would also like to know whether the files I deleted from my desktop last month by accident are still somewhere in the backup, because one of them was an older draft of the same presentation.`,
  },
  {
    role: 'user',
    content: `I opened it. The activity tab lists three failed attempts since Tuesday night, all with the same message, and the settings page says my last successful backup was on Sunday evening. There is also a banner at the top saying my device is behind on the backup policy set by my organisation. I have not touched any of the settings myself, and I have a presentation on Friday whose files I really cannot afford to lose, which is why I am a bit nervous about this.`,
  },
  {
    role: 'assistant',
    content: `That is understandable, and the good news is that everything backed up up to Sunday evening is stored safely and can be restored at any time, even from another computer through the web console. The banner about the organisation's policy simply means that the required interval between successful backups has passed; it goes away by itself once a backup completes. In the meantime, if the presentation files matter most, you can copy them to another location as an extra precaution. Please send me the message shown next to the failed attempts, and I will tell you exactly what to do.`,
  },
];

/** The tools the model may call, as the chat request lists them (JSON Schema). */
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'lookup_device_status',
      description:
        "Returns the backup status of one of the customer's devices: last successful backup, pending errors, policy compliance and the client version installed.",
      parameters: {
        type: 'object',
        properties: {
          deviceId: {
            type: 'string',
            description: 'The device identifier shown in the console, for example LAPTOP-4F2A.',
          },
          includeHistory: {
            type: 'boolean',
            description: 'Whether to include the last ten backup attempts with their outcome.',
          },
        },
        required: ['deviceId'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'create_support_ticket',
      description:
        'Opens a ticket for the support team when the assistant cannot resolve the problem, with a summary of the conversation so far and the urgency the customer expressed.',
      parameters: {
        type: 'object',
        properties: {
          summary: { type: 'string', description: 'Two or three sentences describing the problem and what was tried.' },
          urgency: {
            type: 'string',
            enum: ['low', 'normal', 'high'],
            description: 'How soon the customer needs an answer.',
          },
          errorCodes: {
            type: 'array',
            items: { type: 'string' },
            description: 'Error codes mentioned by the customer.',
          },
        },
        required: ['summary', 'urgency'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'start_restore',
      description:
        'Starts restoring a file or folder to a chosen location. Large folders are prepared in the background and the customer is emailed a download link.',
      parameters: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'Full path of the file or folder as it was on the device.' },
          version: {
            type: 'string',
            description: 'ISO 8601 timestamp of the version to restore; the latest if omitted.',
          },
          destination: {
            type: 'string',
            enum: ['original', 'download'],
            description: 'Where to put the restored data.',
          },
        },
        required: ['path', 'destination'],
      },
    },
  },
];

const ANSWER = `Thanks for reaching out, and don't worry: your files are safe. Error 4012 means the backup client is still using the credentials from before your password change, which happens when the laptop was offline at the moment you changed it [doc-6]. Nothing that was already backed up is affected, and no data on your laptop has been lost.

To fix it:
1. Open the backup client from the menu bar or the system tray.
2. Choose Sign out, then sign back in with your new password.
3. Leave the laptop connected to the network for a while; the next backup will continue from where the last one stopped rather than starting over [doc-1].

If your organisation requires at least one successful backup every seven days, your laptop may currently be listed on the compliance page as behind; it will drop off that list as soon as the next backup completes [doc-1]. While the backup catches up, you can keep working normally. If you are on a slow or metered connection, such as a phone hotspot, the client may wait for a better network before uploading, so connecting to your office or home Wi-Fi will speed things up [doc-5].

If you still see 4012 after signing in again, please contact support with the time of the error from the client's activity log, and we will look at your device's sign-in history in the audit log [doc-8].`;

export function makeLlmTrace20k(index: number, salt: string): BenchTrace {
  const started = 1_790_000_000_000 + index * 1_000;
  const order = PASSAGES.map((_, k) => (k + index) % PASSAGES.length);
  const context = order.map((k, rank) => ({
    id: `doc-${k + 1}`,
    source: `https://help.example.com/articles/${1000 + k}-${['schedule', 'retention', 'restore', 'encryption', 'bandwidth', 'errors', 'mobile', 'audit'][k]}`,
    chunk: (index * 7 + k) % 40,
    score: Math.round((0.91 - rank * 0.037) * 1000) / 1000,
    text: PASSAGES[k],
  }));
  const question = QUESTIONS[index % QUESTIONS.length]!;
  return {
    inferenceId: `${salt}-${index}`,
    question,
    output: ANSWER,
    latency: 1_800 + (index % 900),
    tokens: 4_900 + (index % 300),
    cost: 0.000_75 + (index % 50) / 1e6,
    timestamp: started,
    metadata: {
      userId: `user-${index % 97}`,
      sessionId: `${salt}-session-${Math.floor(index / 4)}`,
      channel: 'web-chat',
      locale: 'en-GB',
      appVersion: '4.18.2',
    },
    steps: [
      {
        name: 'Retrieve passages',
        type: 'retriever',
        startTime: started,
        endTime: started + 140,
        inputs: { query: question, topK: context.length, index: 'help-center-v3' },
        output: context,
      },
      {
        name: 'OpenAI Chat Completion',
        type: 'chat_completion',
        provider: 'OpenAI',
        model: 'gpt-4o',
        startTime: started + 150,
        endTime: started + 1_790,
        promptTokens: 4_380 + (index % 200),
        completionTokens: 410 + (index % 100),
        modelParameters: { temperature: 0.2, max_tokens: 800, top_p: 1, tool_choice: 'auto', tools: TOOLS },
        inputs: {
          prompt: [
            { role: 'system', content: SYSTEM_PROMPT },
            ...HISTORY,
            {
              role: 'user',
              content: `Context:\n${context.map((c) => `[${c.id}] ${c.text}`).join('\n\n')}\n\nQuestion: ${question}`,
            },
          ],
        },
        output: ANSWER,
      },
    ],
  };
}
