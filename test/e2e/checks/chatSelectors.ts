/** Selectors the chat checks share: the chat page's hooks (extension/chat/chatPage.ts) and Rook's status bar entry. */

/** The chat input; the webview frame that has it is the chat view's. */
export const CHAT_INPUT = 'textarea#input';
/** Rook's status bar entry (VS Code ids it `<extension id>.<entry id>`): once shown, Rook's commands run. */
export const ROOK_STATUS_ITEM = '.part.statusbar [id^="rook-dev.rook"]';
