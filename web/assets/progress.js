// The integrity check's progress: polls its progress address and reloads the page when the check ends.
// Progressive enhancement only: without it, the page says to refresh.
const box = document.querySelector('[data-poll]');
if (box) {
  const text = document.getElementById('progress-text');
  const bar = document.getElementById('progress-bar');
  const poll = async () => {
    try {
      const r = await fetch(box.getAttribute('data-poll'), { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      const p = await r.json();
      if (p.done) {
        window.location.reload();
        return;
      }
      if (p.events > 0) {
        bar.max = p.events;
        bar.value = p.replayed;
        text.textContent = `Every school history checked. Running the rules again: ${p.replayed} of ${p.events} ${p.events === 1 ? 'event' : 'events'}.`;
      } else if (p.total > 0) {
        bar.max = p.total;
        bar.value = p.checked;
        text.textContent = `${p.checked} of ${p.total} school ${p.total === 1 ? 'history' : 'histories'} checked.`;
      }
    } catch {
      // A failed poll is tried again.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
}
