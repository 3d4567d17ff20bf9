'use strict';
// An autocomplete whose choices depend on another field of its form (a placement's quota on
// its employer): the other field's value goes with each lookup, and a change of it clears the
// choice made for the previous value. The server filters by it (`forwarded_fields`).
{
    const $ = django.jQuery;

    function prefixOf(element) {
        // An inline row's fields share the row's prefix: "placements-0-quota".
        const name = element.name;
        return name.slice(0, name.lastIndexOf('-') + 1);
    }

    function forward(element) {
        const names = element.dataset.forward.split(',');
        const sources = names.map((name) => element.form.elements[prefixOf(element) + name]);
        $(element).select2('destroy');
        $(element).select2({
            ajax: {
                data: (params) => {
                    const query = {
                        term: params.term,
                        page: params.page,
                        app_label: element.dataset.appLabel,
                        model_name: element.dataset.modelName,
                        field_name: element.dataset.fieldName
                    };
                    names.forEach((name, index) => {
                        if (sources[index] && sources[index].value) {
                            query[name] = sources[index].value;
                        }
                    });
                    return query;
                }
            }
        });
        sources.forEach((source) => {
            if (source) {
                $(source).on('change', () => $(element).val(null).trigger('change'));
            }
        });
    }

    $(function() {
        $('.admin-autocomplete[data-forward]').not('[name*=__prefix__]').each(
            (index, element) => forward(element)
        );
    });

    document.addEventListener('formset:added', (event) => {
        $(event.target).find('.admin-autocomplete[data-forward]').each(
            (index, element) => forward(element)
        );
    });
}
