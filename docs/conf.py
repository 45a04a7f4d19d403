# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx configuration of the docs site (`make docs`), created with antsibull-docs sphinx-init.

The build is strict (-W --keep-going, nitpicky) and offline: intersphinx fetches no inventory. The few labels of
the Ansible documentation that antsibull-docs' pages refer to are resolved below to links to docs.ansible.com
instead; any other unresolved reference still fails the build.
"""

from __future__ import annotations

from docutils import nodes

project = 'apsaramq.cross_account'
copyright = '2026 apsaramq.cross_account contributors'

title = 'apsaramq.cross_account documentation'
html_short_title = 'apsaramq.cross_account'

extensions = ['sphinx.ext.intersphinx', 'sphinx_antsibull_ext']

pygments_style = 'ansible'

highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False

display_version = False

html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

# No inventory is downloaded: the build must not need the network.
intersphinx_mapping: dict = {}

default_role = 'any'

nitpicky = True

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/latest/'

# Labels of the Ansible documentation used by antsibull-docs' templates and by M(ansible.builtin.*) references.
ANSIBLE_LABELS = {
    'action_plugins': ('plugins/action.html', 'Action plugins'),
    'common_return_values': ('reference_appendices/common_return_values.html', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html', 'Ansible Configuration Settings'),
}
BUILTIN_PREFIX = 'ansible_collections.ansible.builtin.'


def ansible_docs_link(target):
    """URL and title on docs.ansible.com of a label of the Ansible documentation, or None for any other label."""
    if target in ANSIBLE_LABELS:
        path, text = ANSIBLE_LABELS[target]
        return ANSIBLE_DOCS + path, text
    if target.startswith(BUILTIN_PREFIX) and '.' not in target[len(BUILTIN_PREFIX) :]:
        page = target[len(BUILTIN_PREFIX) :]  # for example debug_module
        name = page.rsplit('_', 1)[0]
        return f'{ANSIBLE_DOCS}collections/ansible/builtin/{page}.html', f'ansible.builtin.{name}'
    return None


def resolve_ansible_label(app, env, node, contnode):
    """Sphinx missing-reference handler: a :ref: to a known Ansible label becomes an external link."""
    if node.get('refdomain') != 'std' or node.get('reftype') != 'ref':
        return None
    link = ansible_docs_link(node['reftarget'])
    if link is None:
        return None
    url, text = link
    reference = nodes.reference('', '', internal=False, refuri=url, reftitle=text)
    reference += contnode if node.get('refexplicit') else nodes.inline(text, text)
    return reference


def setup(app):
    app.connect('missing-reference', resolve_ansible_label)
