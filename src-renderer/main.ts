/** The renderer's entry: mounts the console (App finds the preload's bridge, or says it is missing). */
import { mount } from 'svelte';
import App from './App.svelte';

const target = document.getElementById('app');
if (target) mount(App, { target });
