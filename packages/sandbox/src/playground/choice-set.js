// Input.ChoiceSet with type-ahead, as Teams draws it: `style: "filtered"` filters the card's own
// choices as the person types; `choices.data` of type Data.Query also asks the bot, through the Teams
// stand-in, with the `application/search` invoke Teams sends (an empty query when the box opens),
// and offers what it answers. Each choice is one line; the value sent is the choice's value, never
// its title. Other choice sets are drawn by the Adaptive Cards library as they are. A People Picker
// (dataset `graph.microsoft.com/users`) is answered by the Teams stand-in from the directory, as
// Teams does, with people valued by their Entra object id; with isMultiSelect, each pick is added
// to the ones above the box and the value is their ids, comma-separated.
import { api, el, state } from './common.js';

let current = null;
/** Elements parsed while `work` runs belong to this card (to know where a search comes from). */
export function withCard(where, work) {
  current = where;
  try {
    return work();
  } finally {
    current = null;
  }
}

export function registerChoiceSet(AC) {
  class TypeAheadChoiceSet extends AC.ChoiceSetInput {
    constructor() {
      super();
      this.where = current;
      this.picked = undefined;
    }

    get typeAhead() {
      if (this.isMultiSelect) return this.dynamic;
      return this.style === 'filtered' || this.choicesData?.type === 'Data.Query';
    }

    get dynamic() {
      return this.choicesData?.type === 'Data.Query' && !!this.choicesData.dataset;
    }

    internalRender() {
      if (!this.typeAhead) return super.internalRender();
      const input = el('input', {
        type: 'text',
        class: 'ac-input pg-choice-text',
        role: 'combobox',
        'aria-autocomplete': 'list',
        autocomplete: 'off',
        placeholder: this.placeholder || 'Type to search…',
      });
      const list = el('div', { class: 'pg-choice-list', role: 'listbox' });
      list.hidden = true;
      const chips = el('div', { class: 'pg-chips' });
      this.pickedMany = [];
      const drawChips = () =>
        chips.replaceChildren(
          ...this.pickedMany.map((choice) =>
            el(
              'span',
              { class: 'pg-chip', 'data-value': choice.value },
              choice.title,
              el(
                'button',
                {
                  type: 'button',
                  'aria-label': `Remove ${choice.title}`,
                  onclick: () => {
                    this.pickedMany = this.pickedMany.filter((kept) => kept.value !== choice.value);
                    drawChips();
                    this.valueChanged();
                  },
                },
                '×',
              ),
            ),
          ),
        );
      const initial = this.choices.find((choice) => choice.value === this.defaultValue);
      if (this.defaultValue && this.isMultiSelect) {
        // Prepopulated people: the card's own choices name them.
        this.pickedMany = this.defaultValue.split(',').map((value) => ({
          title: this.choices.find((choice) => choice.value === value)?.title ?? value,
          value,
        }));
        drawChips();
      } else if (this.defaultValue) {
        this.picked = { title: initial?.title ?? this.defaultValue, value: this.defaultValue };
        input.value = this.picked.title;
      }
      let asked = 0;
      let offered = [];
      const choose = (choice) => {
        if (this.isMultiSelect) {
          if (!this.pickedMany.some((kept) => kept.value === choice.value)) this.pickedMany.push(choice);
          input.value = '';
          drawChips();
        } else {
          this.picked = choice;
          input.value = choice.title;
        }
        list.hidden = true;
        this.valueChanged();
      };
      const draw = (choices, note) => {
        offered = choices;
        list.replaceChildren(
          ...choices.map((choice) =>
            el(
              'div',
              {
                class: 'pg-choice',
                role: 'option',
                'data-value': choice.value,
                // Before the box loses focus, which would close the list.
                onmousedown: (event) => {
                  event.preventDefault();
                  choose(choice);
                },
              },
              choice.title,
            ),
          ),
          note ? el('div', { class: 'pg-choice-note' }, note) : null,
        );
        list.hidden = choices.length === 0 && !note;
      };
      const offer = async () => {
        const typed = input.value.trim().toLowerCase();
        const own = this.choices
          .filter((choice) => choice.title?.toLowerCase().includes(typed))
          .map((choice) => ({ title: choice.title, value: choice.value }));
        if (!this.dynamic || !this.where) return draw(own, own.length ? null : 'No matches');
        draw(own, 'Searching…');
        const ticket = ++asked;
        const answer = await api('/playground/teams/search', {
          user: state.teamsUser,
          ...this.where,
          inputId: this.id,
          queryText: input.value,
        });
        if (ticket !== asked) return;
        const found = (answer.results ?? []).filter((result) => !own.some((choice) => choice.value === result.value));
        const all = [...own, ...found];
        draw(all, answer.notSent?.length ? answer.notSent.join(' ') : all.length ? null : 'No matches');
      };
      input.addEventListener('input', () => {
        this.picked = undefined;
        offer();
        this.valueChanged();
      });
      input.addEventListener('focus', offer);
      input.addEventListener('blur', () => {
        list.hidden = true;
      });
      input.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && offered[0] && !list.hidden) {
          event.preventDefault();
          choose(offered[0]);
        }
        if (event.key === 'Escape') list.hidden = true;
      });
      this._textInput = input;
      return el('div', { class: 'pg-choice-set' }, chips, input, list);
    }

    get value() {
      if (!this.typeAhead) return super.value;
      if (this.isMultiSelect)
        return this.pickedMany?.length ? this.pickedMany.map((c) => c.value).join(',') : undefined;
      return this.picked && this._textInput?.value === this.picked.title ? this.picked.value : undefined;
    }

    isSet() {
      return !!this.value;
    }

    isValid() {
      return this.typeAhead ? true : super.isValid();
    }
  }
  AC.GlobalRegistry.elements.register('Input.ChoiceSet', TypeAheadChoiceSet, AC.Versions.v1_0);
}
