'use strict';
// A commitment's responsible party is one of the memorandum's parties: its choices follow the
// parties chosen on the page, before they are saved (on the add form none are).
{
    const $ = django.jQuery;

    function chosenParties() {
        const parties = [];
        $('#parties-group select[name$="-organization"]').each(function() {
            if (this.name.includes('__prefix__') || !this.value) {
                return;
            }
            const removed = $(this).closest('.form-row, tr').find('input[name$="-DELETE"]');
            if (removed.prop('checked')) {
                return;
            }
            const option = this.options[this.selectedIndex];
            parties.push([this.value, option ? option.text : this.value]);
        });
        return parties;
    }

    function offerParties() {
        const parties = chosenParties();
        $('#commitments-group select[name$="-responsible"]').each(function() {
            const current = this.value;
            const blank = new Option('---------', '');
            const options = [blank];
            for (const [value, text] of parties) {
                options.push(new Option(text, value));
            }
            const kept = parties.some(([value]) => value === current);
            if (current && !kept) {
                // Kept, not silently cleared: saving says it is no longer a party.
                const selected = this.options[this.selectedIndex];
                options.push(new Option(selected.text, current));
            }
            $(this).empty().append(options).val(current);
        });
    }

    $(document).on(
        'change',
        '#parties-group select[name$="-organization"], #parties-group input[name$="-DELETE"]',
        offerParties
    );
    document.addEventListener('formset:added', offerParties);
    document.addEventListener('formset:removed', offerParties);
}
