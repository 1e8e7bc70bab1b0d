/* placeholder: written by the module's owner */
