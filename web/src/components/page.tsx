import { ReactNode, useEffect, useRef } from 'react';

let firstPage = true;

/**
 * A page's heading and the document title. After a navigation (not on the first load, where the
 * browser starts at the top) focus moves to the heading, so a screen reader announces the new page.
 */
export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Argus`;
    if (firstPage) firstPage = false;
    else ref.current?.focus();
  }, [title]);
  return (
    <div className="page-heading">
      <h1 ref={ref} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </div>
  );
}
