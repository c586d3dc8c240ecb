/** A codicon button that names its action in `data-action`; pages handle clicks by delegation. */
export function iconButton(action: string, label: string, icon: string, className: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = className;
  button.dataset.action = action;
  button.title = label;
  button.setAttribute('aria-label', label);
  const glyph = document.createElement('span');
  glyph.className = `codicon ${icon}`;
  button.append(glyph);
  return button;
}
