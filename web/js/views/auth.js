// Sign up and sign in.
import {api} from '../api.js';
import {app} from '../app.js';
import {clearErrors, field, h, setFieldError} from '../dom.js';

// The server's 400s and 409s name the field ("userName must not contain white space",
// "that userName is taken"): shown under that field, named as its label names it.
const FIELDS = ['passwordConf', 'password', 'email', 'userName', 'firstName', 'lastName'];
function showError(form, error) {
  const detail = error.message;
  const lower = detail.toLowerCase();
  const fieldName =
      FIELDS.find((name) => lower.startsWith(name.toLowerCase())) ||
      (lower.includes('email') ? 'email' : lower.includes('username') ? 'userName' : lower.startsWith('names') ? 'firstName' : null);
  const label = fieldName && form.querySelector(`label[for="field-${fieldName}"]`)?.textContent;
  const text = label ? detail.replace(new RegExp(`\\b${fieldName}\\b`, 'i'),
                                      (name, at) => (at === 0 ? label : label.toLowerCase()))
                     : detail;
  if (!(fieldName && setFieldError(form, fieldName, text))) form.querySelector('.form-error').textContent = text;
  const invalid = form.querySelector('[aria-invalid="true"]');
  (invalid || form.querySelector('.form-error')).focus?.();
}

export function signUpView(page) {
  const form = h('form', {class: 'card narrow', novalidate: true},
      field({label: 'Email', name: 'email', type: 'email', required: true, autocomplete: 'email'}),
      field({label: 'User name', name: 'userName', required: true, autocomplete: 'username',
             hint: 'How other musicians see you. No spaces.'}),
      h('div', {class: 'row'},
          field({label: 'First name', name: 'firstName', autocomplete: 'given-name'}),
          field({label: 'Last name', name: 'lastName', autocomplete: 'family-name'})),
      field({label: 'Password', name: 'password', type: 'password', required: true, autocomplete: 'new-password',
             minlength: 8, hint: 'At least 8 characters.'}),
      field({label: 'Password again', name: 'passwordConf', type: 'password', required: true,
             autocomplete: 'new-password'}),
      h('p', {class: 'form-error', role: 'alert', tabindex: '-1'}),
      h('button', {class: 'primary', type: 'submit'}, 'Create my account'),
      h('p', {}, 'Already have an account? ', h('a', {href: '#/signin'}, 'Sign in')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const values = Object.fromEntries(new FormData(form));
    let ok = true;
    if (!values.email.includes('@')) ok = !setFieldError(form, 'email', 'Enter your email address, like name@example.org.');
    if (!values.userName || /\s/.test(values.userName)) ok = !setFieldError(form, 'userName', 'Choose a user name without spaces.') && ok;
    if (values.password.length < 8) ok = !setFieldError(form, 'password', 'Use at least 8 characters.') && ok;
    if (values.password !== values.passwordConf) ok = !setFieldError(form, 'passwordConf', 'The two passwords differ.') && ok;
    if (!ok) return form.querySelector('[aria-invalid="true"]')?.focus();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await app.signedIn(await api('POST', '/v1/users', values));
      app.afterSignIn();
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  });
  page.append(h('h1', {}, 'Join the musicians near you'), h('p', {class: 'lead'}, 'Find people to play with, then talk it over in each meetup\'s chat.'), form);
}

export function signInView(page) {
  const form = h('form', {class: 'card narrow', novalidate: true},
      field({label: 'Email', name: 'email', type: 'email', required: true, autocomplete: 'email'}),
      field({label: 'Password', name: 'password', type: 'password', required: true, autocomplete: 'current-password'}),
      h('p', {class: 'form-error', role: 'alert', tabindex: '-1'}),
      h('button', {class: 'primary', type: 'submit'}, 'Sign in'),
      h('p', {}, 'New here? ', h('a', {href: '#/signup'}, 'Create an account')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const values = Object.fromEntries(new FormData(form));
    if (!values.email) return setFieldError(form, 'email', 'Enter your email address.') && form.elements.email.focus();
    if (!values.password) return setFieldError(form, 'password', 'Enter your password.') && form.elements.password.focus();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await app.signedIn(await api('POST', '/v1/sessions', values));
      app.afterSignIn();
    } catch (error) {
      form.querySelector('.form-error').textContent =
          error.status === 401 ? 'That email and password do not match an account.' : error.message;
      form.querySelector('.form-error').focus();
    } finally {
      button.disabled = false;
    }
  });
  page.append(h('h1', {}, 'Welcome back'), form);
}
