// Your profile: see it, change your names, sign out.
import {api} from '../api.js';
import {app} from '../app.js';
import {avatar, clearErrors, field, h, setFieldError} from '../dom.js';

export async function profileView(page) {
  const me = await api('GET', '/v1/users/me');
  const saved = h('p', {class: 'saved', role: 'status'});
  const form = h('form', {class: 'card narrow', novalidate: true},
      h('div', {class: 'profile-head'}, avatar(me, 'large'),
          h('div', {}, h('p', {class: 'big'}, me.userName), h('p', {class: 'muted'}, 'Your picture comes from Gravatar.'))),
      field({label: 'First name', name: 'firstName', value: me.firstName, maxlength: 128, autocomplete: 'given-name'}),
      field({label: 'Last name', name: 'lastName', value: me.lastName, maxlength: 128, autocomplete: 'family-name'}),
      h('p', {class: 'form-error', role: 'alert'}),
      h('button', {class: 'primary', type: 'submit'}, 'Save'), saved);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    saved.textContent = '';
    const values = Object.fromEntries(new FormData(form));
    try {
      app.me = {...app.me, ...await api('PATCH', '/v1/users/me', values)};  // keeps the roles
      saved.textContent = 'Saved.';
    } catch (error) {
      if (!setFieldError(form, 'firstName', error.message)) form.querySelector('.form-error').textContent = error.message;
    }
  });
  const signOut = h('button', {type: 'button', class: 'danger', onclick: async () => {
    try {
      await api('DELETE', '/v1/sessions/mine');
    } finally {
      app.signedOut();
      app.go('#/signin');
    }
  }}, 'Sign out');
  page.append(h('h1', {}, 'Your profile'), form, h('p', {class: 'narrow'}, signOut));
}
