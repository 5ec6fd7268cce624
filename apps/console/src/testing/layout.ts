export const VIEWPORT_PX = 600;
/** The list's estimate too, so the whole list's height is rows × 42 whether measured or not. */
export const ROW_PX = 42;

/**
 * jsdom lays nothing out: every size is 0 and elements cannot scroll. This stands in for the browser's
 * layout with fixed numbers (a 600 px viewport, 42 px rows) so the virtualiser's arithmetic can be checked;
 * the browser tests check the real layout.
 */
export function fakeLayout() {
  const restore: (() => void)[] = [];
  const define = (proto: object, name: string, descriptor: PropertyDescriptor) => {
    const original = Object.getOwnPropertyDescriptor(proto, name);
    Object.defineProperty(proto, name, { configurable: true, ...descriptor });
    restore.push(() =>
      original ? Object.defineProperty(proto, name, original) : Reflect.deleteProperty(proto, name),
    );
  };
  define(HTMLElement.prototype, "clientHeight", {
    get(this: HTMLElement) {
      return this.classList.contains("feed-viewport") ? VIEWPORT_PX : 0;
    },
  });
  define(HTMLElement.prototype, "clientWidth", {
    get(this: HTMLElement) {
      return this.classList.contains("feed-viewport") ? 1200 : 0;
    },
  });
  define(HTMLElement.prototype, "offsetHeight", {
    get(this: HTMLElement) {
      return this.classList.contains("feed-row") ? ROW_PX : 0;
    },
  });
  // The viewport scrolls as far as its list is tall (the list's height is set inline).
  define(Element.prototype, "scrollHeight", {
    get(this: Element) {
      const list = this.classList.contains("feed-viewport") ? this.firstElementChild : null;
      return list instanceof HTMLElement ? Number.parseFloat(list.style.height) || 0 : 0;
    },
  });
  const scrolled = new WeakMap<Element, number>();
  define(Element.prototype, "scrollTop", {
    get(this: Element) {
      return scrolled.get(this) ?? 0;
    },
    set(this: Element, top: number) {
      scrolled.set(this, top);
    },
  });
  define(Element.prototype, "scrollTo", {
    value(this: Element, options: ScrollToOptions) {
      scrolled.set(this, options.top ?? scrolled.get(this) ?? 0);
      this.dispatchEvent(new Event("scroll"));
    },
  });
  return () => {
    for (const undo of restore.reverse()) undo();
  };
}
