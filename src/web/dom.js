// Small DOM helpers: elements are built with h() (HTML) and s() (SVG), never from HTML strings,
// so nothing the server sends is ever parsed as markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttributes(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') {
      el.textContent = String(value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) el.dataset[k] = v;
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

function appendChildren(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// h('a', {href: '#/', class: 'x', onClick: f}, 'text', otherNode, [more, nodes])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attrs);
  appendChildren(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttributes(el, attrs);
  appendChildren(el, children);
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  appendChildren(el, children);
  return el;
}

export function byId(id) {
  return document.getElementById(id);
}

// Text for screen readers only.
export function sr(text) {
  return h('span', { class: 'sr-only' }, text);
}
