/**
 * The drawn tick of the verified badge: a picture, not a character, so no name can copy it.
 * Hidden from assistive technology; the badge says what it means in words.
 */
export function Tick() {
  return (
    <svg class="badge-tick" aria-hidden="true" focusable="false" viewBox="0 0 12 12">
      <path
        d="M2 6.5 4.8 9 10 3"
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}
