/**
 * Elements built from data. Children are nodes or strings, and a string always becomes a
 * text node: nothing a user wrote is ever parsed as HTML.
 */
export type Child = Node | string | false | null | undefined;

export type Props = {
  [name: string]: string | number | boolean | undefined | ((event: Event) => void);
};

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === "class") element.className = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Replaces `parent`'s children with `children`, moving nodes that are already there. */
export function replace(parent: Node, children: Child[]): void {
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  (parent as Element).replaceChildren(fragment);
}
