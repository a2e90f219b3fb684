use leptos::prelude::*;
use tis_core::Audience;

use crate::AudienceChoice;

/// Radio buttons to choose whose notices to show; the choice is remembered in the
/// browser (see [`AudienceChoice`]).
#[component]
pub fn AudienceChooser() -> impl IntoView {
    let chosen = expect_context::<AudienceChoice>().0;
    let option = |value: Audience, id: &'static str, label: &'static str| {
        view! {
            <div class="radio">
                <input type="radio" name="audience" id=id
                    prop:checked=move || chosen.get() == value
                    on:change=move |_| chosen.set(value) />
                <label for=id>{label}</label>
            </div>
        }
    };
    view! {
        <fieldset class="audience">
            <legend>"Show notices for"</legend>
            <div class="radios">
                {option(Audience::Everyone, "audience-everyone", "Everyone")}
                {option(Audience::Trainees, "audience-trainees", "Trainees")}
                {option(Audience::Admins, "audience-admins", "Admin staff")}
            </div>
        </fieldset>
    }
}
