// Scores the book's quizzes in the page: no server, no outside host.
(function () {
    "use strict";
    function check(quiz) {
        var questions = quiz.querySelectorAll(".quiz-question");
        var right = 0;
        var answered = 0;
        questions.forEach(function (q) {
            var picked = q.querySelector("input:checked");
            var answer = q.getAttribute("data-answer");
            q.classList.remove("quiz-right", "quiz-wrong");
            if (!picked) {
                return;
            }
            answered += 1;
            var ok = picked.value === answer;
            if (ok) {
                right += 1;
            }
            q.classList.add(ok ? "quiz-right" : "quiz-wrong");
            q.querySelector(".quiz-explanation").hidden = false;
        });
        var score = quiz.querySelector(".quiz-score");
        var total = questions.length;
        score.textContent = right + " of " + total + " correct" +
            (answered < total ? " (" + (total - answered) + " not answered yet)" : "") + ".";
    }
    document.querySelectorAll(".quiz").forEach(function (quiz) {
        quiz.querySelector(".quiz-check").addEventListener("click", function () {
            check(quiz);
        });
    });
})();
