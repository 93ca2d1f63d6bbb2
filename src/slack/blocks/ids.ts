/** action_id / callback_id / block_id values shared by the builders and the listeners that read them back. */
export const ACTION = {
  problemAddPattern: 'problem_add_pattern',
  problemSetThreshold: 'problem_set_threshold',
  problemSignOff: 'problem_sign_off',
  flagProblem: 'flag_problem',
  flagExpected: 'flag_expected',
  flagSave: 'flag_save',
  /** On a per-problem evaluation result message; their value is resultIdsValue (evaluation + problem ids). */
  resultShowAll: 'result_show_all',
  resultSignOff: 'result_sign_off',
  /** "Suggest related cases": value is suggestValue (the pattern id). */
  suggestRelated: 'suggest_related',
  /** On a pattern receipt; value is the pattern id. Opens the edit modal (admins). */
  patternEdit: 'pattern_edit',
  /** On a triage line (App Home, /problem triage); value is the observation id. */
  triageAddPattern: 'triage_add_pattern',
  triageDismiss: 'triage_dismiss',
} as const;

export const VIEW = {
  newProblem: 'problem_new',
  addPattern: 'pattern_add',
  setThreshold: 'problem_threshold',
  suggestions: 'pattern_suggestions',
  editPattern: 'pattern_edit_modal',
  triagePattern: 'triage_pattern',
  triageDismiss: 'triage_dismiss_modal',
} as const;

export const SHORTCUT = { addAsPattern: 'add_as_pattern' } as const;

/** Every input reads back as state.values[block_id][FIELD]. */
export const FIELD = 'value';

export const BLOCK = {
  title: 'title',
  description: 'description',
  severity: 'severity',
  threshold: 'threshold',
  problem: 'problem',
  newProblemTitle: 'new_problem_title',
  input: 'input',
  inputFormat: 'input_format',
  expectKind: 'expect_kind',
  expectValue: 'expect_value',
  polarity: 'polarity',
  notes: 'notes',
  flagProblem: 'flag_problem',
  flagExpected: 'flag_expected',
  /** The suggestions modal: the checkboxes, then suggest_input_<i> and suggest_expect_<i> per proposal. */
  suggestPick: 'suggest_pick',
  dismissReason: 'dismiss_reason',
  dismissNote: 'dismiss_note',
} as const;
