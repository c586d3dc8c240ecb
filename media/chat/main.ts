/**
 * The chat page: a conversation, an input box and the history of saved conversations, driven by messages
 * from the extension. Keyboard-first: Enter sends, Shift+Enter starts a new line, Escape stops the answer.
 */
import { isWebLink } from '../../extension/chat/links';
import { isExtensionMessage, type ExtensionMessage, type PastSources, type WebviewMessage } from '../../extension/chat/messages';
import type { ChatMessage } from '../../server/protocol/contract';
import { AssistantMessage } from './assistantMessage';
import { codeActionAt } from './codeActions';
import { renderContextLine } from './contextLine';
import { MentionCompletion } from './mentionCompletion';
import { historyActionAt, renderHistory } from './historyList';
import { updatePinnedToBottom } from './scrollPin';

declare function acquireVsCodeApi(): { postMessage(message: WebviewMessage): void };

const vscode = acquireVsCodeApi();

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) {
    throw new Error(`Chat page is missing #${id}.`);
  }
  return element as T;
}

const statusLine = byId('status');
const messageList = byId('messages');
const input = byId<HTMLTextAreaElement>('input');
const sendButton = byId<HTMLButtonElement>('send');
const stopButton = byId<HTMLButtonElement>('stop');
const pickEngineButton = byId<HTMLButtonElement>('pick-engine');
const newChatButton = byId<HTMLButtonElement>('new-chat');
const historyToggle = byId<HTMLButtonElement>('history-toggle');
const historyPanel = byId('history');
const historyList = byId('history-list');
const contextLine = byId('context');
const mentions = new MentionCompletion(input, byId('mentions'), post);

/** Answers still streaming, by the id the extension gave them. */
const answers = new Map<number, AssistantMessage>();
/** From sending a question until its answer ends; one answer streams at a time. */
let busy = false;

function post(message: WebviewMessage): void {
  vscode.postMessage(message);
}

function setBusy(value: boolean): void {
  busy = value;
  sendButton.hidden = value;
  stopButton.hidden = !value;
}

function keepPinned(update: () => void): void {
  updatePinnedToBottom(messageList, update);
}

function appendQuestion(text: string): void {
  const question = document.createElement('div');
  question.className = 'message user';
  question.textContent = text;
  messageList.append(question);
}

function submit(): void {
  const text = input.value;
  if (busy || text.trim() === '') {
    return;
  }
  appendQuestion(text);
  // The user's own question always scrolls into view, wherever they were reading.
  messageList.scrollTop = messageList.scrollHeight;
  input.value = '';
  setBusy(true);
  post({ type: 'send', text });
}

function stop(): void {
  if (busy) {
    post({ type: 'stop' });
  }
}

/** The answer with `id`, created if the extension reports on one the page has not seen start. */
function answer(id: number): AssistantMessage {
  let message = answers.get(id);
  if (!message) {
    message = new AssistantMessage(keepPinned);
    const element = message.element;
    keepPinned(() => messageList.append(element));
    answers.set(id, message);
  }
  return message;
}

/**
 * Replaces what the page shows with a saved conversation's exchanges, rendered as finished answers, with the source
 * links of those that had them.
 */
function showConversation(messages: readonly ChatMessage[], sources: readonly PastSources[] = []): void {
  answers.clear();
  messageList.replaceChildren();
  setBusy(false);
  const linksOf = new Map(sources.map((entry) => [entry.message, entry]));
  messages.forEach((message, index) => {
    if (message.role === 'user') {
      appendQuestion(message.content);
    } else if (message.role === 'assistant') {
      const past = new AssistantMessage(keepPinned);
      messageList.append(past.element);
      past.append(message.content);
      const links = linksOf.get(index);
      if (links) past.showSources(links.id, links.labels);
      past.finish('stop');
    }
  });
  messageList.scrollTop = messageList.scrollHeight;
}

function setHistoryShown(shown: boolean): void {
  historyPanel.hidden = !shown;
  historyToggle.setAttribute('aria-expanded', String(shown));
}

function receive(message: ExtensionMessage): void {
  switch (message.type) {
    case 'start':
      answer(message.id);
      break;
    case 'delta':
      answer(message.id).append(message.text);
      break;
    case 'done':
      answer(message.id).finish(message.finishReason);
      answers.delete(message.id);
      setBusy(false);
      break;
    case 'error':
      answer(message.id).fail(message.message);
      answers.delete(message.id);
      setBusy(false);
      break;
    case 'status':
      statusLine.textContent = message.text;
      break;
    case 'conversation':
      showConversation(message.messages, message.sources);
      break;
    case 'history':
      renderHistory(historyList, message.conversations, message.activeId);
      break;
    case 'context':
      renderContextLine(contextLine, message);
      break;
    case 'fileSuggestions':
      mentions.show(message.query, message.paths);
      break;
    case 'sources':
      answer(message.id).showSources(message.id, message.labels);
      break;
  }
}

function onConversationClick(event: MouseEvent): void {
  if (!(event.target instanceof Element)) {
    return;
  }
  const link = event.target.closest('a');
  if (link) {
    // Links open through the extension, which asks the user first (they come from model output), never
    // inside the webview; stopping propagation also keeps VS Code's own webview link handler from
    // opening the link a second time, without asking.
    event.preventDefault();
    event.stopPropagation();
    const href = link.getAttribute('href');
    // A source link (built by the page, never by markdown) names its answer and index; the extension holds the file.
    if (link.classList.contains('source-link')) {
      post({ type: 'openSource', id: Number(link.dataset.answer), index: Number(link.dataset.source) });
    } else if (href && isWebLink(href)) {
      post({ type: 'open', href });
    }
    return;
  }
  const codeAction = codeActionAt(event.target);
  if (codeAction) {
    post(codeAction);
  }
}

function onHistoryClick(event: MouseEvent): void {
  const action = event.target instanceof Element ? historyActionAt(event.target) : undefined;
  if (action) {
    post(action);
    if (action.type === 'openConversation') {
      setHistoryShown(false);
    }
  }
}

input.addEventListener('input', () => {
  mentions.update();
  post({ type: 'draft', text: input.value });
});
input.addEventListener('keydown', (event) => {
  if (mentions.handleKey(event)) {
    return;
  }
  // While an IME composes, Enter confirms the composition rather than sending.
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && busy) {
    event.preventDefault();
    stop();
  }
});
sendButton.addEventListener('click', submit);
stopButton.addEventListener('click', stop);
messageList.addEventListener('click', onConversationClick);
historyList.addEventListener('click', onHistoryClick);
pickEngineButton.addEventListener('click', () => post({ type: 'pickEngine' }));
historyToggle.addEventListener('click', () => setHistoryShown(historyPanel.hidden));
newChatButton.addEventListener('click', () => {
  setHistoryShown(false);
  post({ type: 'newConversation' });
  input.focus();
});
window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isExtensionMessage(event.data)) {
    receive(event.data);
  }
});
// Focusing the view (e.g. "Rook: Open Chat") should land in the input, ready to type.
window.addEventListener('focus', () => {
  if (document.activeElement === document.body) {
    input.focus();
  }
});

input.focus();
post({ type: 'ready' });
