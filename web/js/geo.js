// The browser's position, for "Use my location" buttons and "Near me" searches.
import {api} from './api.js';
import {h, whileBusy} from './dom.js';

/** The browser's position rounded to `decimals` places; rejects with a sentence people can read. */
export function myLocation(decimals) {
  const round = (value) => Math.round(value * 10 ** decimals) / 10 ** decimals;
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error('This browser cannot tell your location.'));
    navigator.geolocation.getCurrentPosition(
        (position) => resolve({lat: round(position.coords.latitude), lon: round(position.coords.longitude)}),
        (error) => reject(new Error(error.code === 1 ? 'Location permission was refused.' : 'Your location could not be found.')),
        {enableHighAccuracy: false, timeout: 15000, maximumAge: 600000});
  });
}

/**
 * Where a "Near me" search starts: the browser's position rounded to 2 decimals (about
 * 1 km), else the area saved in your musician profile (`saved` true). `status` says that it
 * is asking, then what went wrong, if something did (the answer is then null).
 */
export async function searchCentre(status) {
  status.textContent = 'Finding your location…';
  try {
    return await myLocation(2);
  } catch (error) {
    const mine = await api('GET', '/v1/musicians/me').catch(() => null);
    if (mine?.area) return {lat: mine.area.lat, lon: mine.area.lon, saved: true};
    status.textContent = `${error.message} Set your area in My music to search near it.`;
    return null;
  }
}

/** "Near 47.61, -122.33", or "Near your area in My music (47.61, -122.33)" when it is that. */
export function nearWords(centre) {
  return centre.saved ? `Near your area in My music (${centre.lat}, ${centre.lon})` : `Near ${centre.lat}, ${centre.lon}`;
}

/**
 * A "Use my location" button: asks the browser (rounded to `decimals` places), then
 * `use({lat, lon})` fills the form and returns what to say in `status`.
 */
export function locationButton(status, decimals, use) {
  const button = h('button', {type: 'button'}, 'Use my location');
  // Busy by aria-disabled: a disabled button would drop the keyboard's focus to the page.
  button.addEventListener('click', () => whileBusy(button, async () => {
    status.textContent = 'Asking your browser for your location…';
    try {
      status.textContent = use(await myLocation(decimals));
    } catch (error) {
      status.textContent = error.message;
    }
  }));
  return button;
}
