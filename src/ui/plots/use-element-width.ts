// Width of an element in CSS pixels, kept current with a ResizeObserver (rounded to 10 px
// steps so that a figure is not rebuilt for every pixel of a window drag).
import { useEffect, useState, type RefObject } from 'react';

export function useElementWidth(ref: RefObject<HTMLElement | null>, fallback = 900): number {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current?.parentElement ?? ref.current;
    if (!el) return;
    const measure = () => {
      const w = Math.round(el.clientWidth / 10) * 10;
      if (w > 0) setWidth(w);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
